// unclip-png: placeholder until its library lands.
print("unclip-png: not built yet")
