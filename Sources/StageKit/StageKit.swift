// StageKit: see the issue that builds it.
