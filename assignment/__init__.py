"""The layers of a convolutional network, as a graded assignment (CS231n assignment 2 API).

Your work goes between the START/END OF YOUR CODE markers in `layers.py` and
`classifiers/cnn.py`; every other module is provided and complete.
"""
