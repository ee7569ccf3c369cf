"""The autograder: grades students' `layers.py` and `cnn.py` against the hidden reference."""
