// TensorCore: see the issue that builds it.
