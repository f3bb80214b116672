// CLIP: see issue 4.
