// NN: layers as a module tree keyed by checkpoint names; see issue 3 item 7.
