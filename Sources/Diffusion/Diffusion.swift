// Diffusion: see issue 5.
