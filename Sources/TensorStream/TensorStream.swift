// TensorStream: see the issue that builds it.
