// UNet: see its issue.
