// unclip-shapes: placeholder until its library lands.
print("unclip-shapes: not built yet")
