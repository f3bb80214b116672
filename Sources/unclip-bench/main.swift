// unclip-bench: placeholder until its library lands.
print("unclip-bench: not built yet")
