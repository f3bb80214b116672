import NN

/// The time MLP over sinusoidal timestep features: `linear_1` → activation → `linear_2` (→ optional post
/// activation). Follows diffusers' TimestepEmbedding.
public final class TimestepEmbedding: Module {
    let linear1: Linear
    let linear2: Linear
    let activation: Activation
    let postActivation: Activation?

    override public var checkpointKeys: [String: String] { ["linear1": "linear_1", "linear2": "linear_2"] }

    public init(inputDim: Int, embeddingDim: Int, activation: Activation, postActivation: Activation?) throws {
        linear1 = try Linear(inputDim, embeddingDim)
        linear2 = try Linear(embeddingDim, embeddingDim)
        self.activation = activation
        self.postActivation = postActivation
    }

    /// features: [B, inputDim] → [B, embeddingDim]
    public func callAsFunction(_ features: Variable, tape: Tape) throws -> Variable {
        var h = tape.activation(try linear1(features, tape: tape), activation)  // h: [B, E]
        h = try linear2(h, tape: tape)  // h: [B, E]
        if let postActivation { h = tape.activation(h, postActivation) }
        return h
    }
}
