"""What instructors build: stubs, the student release, the Gradescope bundle, notebook runs, benchmarks."""
