import TensorCore

extension Tape {
    /// Whether an operation over these inputs must be recorded. When it need not, layers run the plain tensor
    /// kernel and wrap the result as a constant: no backward closure, no saved activations.
    public func needsGradient(_ inputs: Variable?...) -> Bool {
        isRecording && inputs.contains { $0?.requiresGrad == true }
    }
}

extension Variable {
    /// A value that needs no gradient (an input, a mask, an inference result).
    public static func constant(_ value: Tensor) -> Variable { Variable(value, requiresGrad: false) }
}

extension Module {
    /// Sets every parameter to its layer's default initialisation (PyTorch's `reset_parameters`), drawing from
    /// one seeded stream in `parameters()` order, so the same seed gives the same model.
    public func initializeParameters(seed: UInt64) throws {
        var rng = PhiloxRandom(seed: seed)
        for (_, m) in modules() { try m.resetParameters(using: &rng) }
    }
}

extension Module {
    /// Builds every module's inference caches (packed `Linear` weights: faster products). Caches follow the
    /// weights: after a load or an optimizer step a layer falls back to the plain path until this is called
    /// again. Training (a recording tape) never uses them.
    ///
    /// By default the plain weights stay, so the model holds its `Linear` weights twice. A program that only runs
    /// the model (a stage) passes `keepingWeights: false`: each packed layer's plain weight is replaced by zeros
    /// that take no memory, so the packed copy is the only one, and reading that weight gives zeros.
    public func prepareTreeForInference(keepingWeights: Bool = true) throws {
        for (_, m) in modules() { try m.prepareForInference(keepingWeights: keepingWeights) }
    }

    /// Drops every inference cache.
    public func releaseInferenceCaches() {
        for (_, m) in modules() { m.releaseInferenceCache() }
    }
}
