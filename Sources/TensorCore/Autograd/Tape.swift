/// A record of differentiable operations, replayed backwards by `backward(_:)` (reverse-mode autodiff).
///
/// Make one tape per training step; its operations (`Tape+Ops.swift`) compute forward values with the same
/// kernels as inference and remember a closure that accumulates input gradients from the output gradient.
/// Operations whose inputs need no gradient record nothing.
public final class Tape {
    struct Node {
        let output: Variable
        let backward: (UnsafePointer<Float>) -> Void
    }

    var nodes: [Node] = []

    /// Whether operations are recorded. A non-recording tape (`Tape(recording: false)`, for inference) returns
    /// results that need no gradient and keeps no nodes or saved activations, whatever the inputs.
    public let isRecording: Bool

    /// A tape; `recording: false` makes an inference tape that records nothing.
    public init(recording: Bool = true) {
        isRecording = recording
    }

    /// Number of recorded operations.
    public var count: Int { nodes.count }

    /// Records `output` = op(inputs) with `backward(dy)` accumulating into the inputs' gradients.
    /// Returns `output`, marked as requiring a gradient when any input does.
    func record(_ value: Tensor, inputs: [Variable], backward: @escaping (UnsafePointer<Float>) -> Void) -> Variable {
        let needs = isRecording && inputs.contains { $0.requiresGrad }
        let out = Variable(value, requiresGrad: needs)
        if needs { nodes.append(Node(output: out, backward: backward)) }
        return out
    }

    /// Back-propagates from a scalar `loss` (one element), seeding d(loss)/d(loss) = 1, and accumulates every
    /// reachable variable's `grad`. The tape is emptied afterwards.
    public func backward(_ loss: Variable) throws {
        guard loss.value.count == 1 else {
            throw TensorError.invalidShape(op: "backward", shape: loss.shape, reason: "the loss must have one element")
        }
        loss.setGrad(Tensor(validShape: loss.shape))
        loss.gradPointer()[0] = 1
        for node in nodes.reversed() {
            guard let g = node.output.grad else { continue }
            withExtendedLifetime(g) { node.backward(UnsafePointer(g.storage.pointer)) }
        }
        nodes.removeAll()
    }
}
