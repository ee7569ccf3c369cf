"""What is graded: the case table (the rubric), the mistake catalog, the fixtures made from the reference."""
