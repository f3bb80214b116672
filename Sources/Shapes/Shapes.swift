// Shapes: see the issue that builds it.
