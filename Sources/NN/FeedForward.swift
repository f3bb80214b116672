import TensorCore

/// Two linear layers with an activation between: `fc2(act(fc1(x)))` (HF `CLIPMLP`; OpenAI `c_fc`/`c_proj`;
/// diffusers' `FeedForward` as `net.0.proj`/`net.2`).
public final class FeedForward: Module {
    /// Checkpoint names of the two layers.
    public struct Naming: Sendable {
        public var first: String
        public var second: String
        public init(first: String, second: String) {
            self.first = first
            self.second = second
        }
        /// Hugging Face CLIP: `fc1`, `fc2`.
        public static let huggingFace = Naming(first: "fc1", second: "fc2")
        /// OpenAI CLIP / open_clip: `c_fc`, `c_proj`.
        public static let openAI = Naming(first: "c_fc", second: "c_proj")
        /// diffusers `FeedForward` with a plain activation: `net.0.proj`, `net.2`.
        public static let diffusers = Naming(first: "net.0.proj", second: "net.2")
    }

    public let fc1: Linear
    public let fc2: Linear
    public let activation: Activation
    public let naming: Naming

    override public var checkpointKeys: [String: String] { ["fc1": naming.first, "fc2": naming.second] }

    public init(
        dim: Int, hiddenDim: Int, outDim: Int? = nil, activation: Activation, bias: Bool = true,
        naming: Naming = .huggingFace
    ) throws {
        fc1 = try Linear(dim, hiddenDim, bias: bias)
        fc2 = try Linear(hiddenDim, outDim ?? dim, bias: bias)
        self.activation = activation
        self.naming = naming
    }

    /// x: [..., C] → [..., C_out]
    public func callAsFunction(_ x: Variable, tape: Tape) throws -> Variable {
        let h = activation(try fc1(x, tape: tape), tape: tape)  // h: [..., hidden]
        return try fc2(h, tape: tape)
    }
}
