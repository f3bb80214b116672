// Model code imports NN alone: it re-exports the engine, and NN's layer classes (`LayerNorm`, `GroupNorm`) shadow
// the engine's kernel namespaces of the same names.
@_exported import TensorCore
