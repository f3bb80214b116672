// Imaging: see the issue that builds it.
