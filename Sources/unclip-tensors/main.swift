// unclip-tensors: placeholder until its library lands.
print("unclip-tensors: not built yet")
