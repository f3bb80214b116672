/// One frame of a tensor stream: named tensors in stream order plus a string-to-string metadata map.
///
/// A frame is exactly one safetensors file. Stages read a frame, replace or add the tensors they own and pass
/// everything else through unchanged.
public struct Frame: Sendable {
    /// The `__metadata__` map. ``FrameWriter`` sets `format` to ``StreamFormat/formatValue`` when it writes.
    public var metadata: [String: String]

    private var order: [String] = []
    private var tensors: [String: TensorBlob] = [:]

    /// An empty frame with the given metadata.
    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// The tensor names in stream order (the order of their data in the frame).
    public var names: [String] { order }

    /// The number of tensors.
    public var count: Int { order.count }

    /// The tensors in stream order.
    public var tensorsInOrder: [(name: String, tensor: TensorBlob)] {
        order.compactMap { name in tensors[name].map { (name, $0) } }
    }

    /// The tensor named `name`. Setting `nil` removes it; setting a new name appends it; setting an existing name
    /// replaces it in place.
    public subscript(name: String) -> TensorBlob? {
        get { tensors[name] }
        set {
            if let newValue {
                if tensors.updateValue(newValue, forKey: name) == nil { order.append(name) }
            } else if tensors.removeValue(forKey: name) != nil {
                order.removeAll { $0 == name }
            }
        }
    }

    /// The tensor named `name`, or an error naming it (for stages that require an input).
    public func tensor(_ name: String) throws -> TensorBlob {
        guard let tensor = tensors[name] else {
            throw TensorStreamError.invalidTensor(
                reason: "the frame has no tensor '\(name)' (it has: \(order.joined(separator: ", ")))")
        }
        return tensor
    }

    /// Appends a line to the newline-separated `provenance` metadata value.
    public mutating func appendProvenance(_ line: String) {
        if let existing = metadata[StreamFormat.MetadataKey.provenance], !existing.isEmpty {
            metadata[StreamFormat.MetadataKey.provenance] = existing + "\n" + line
        } else {
            metadata[StreamFormat.MetadataKey.provenance] = line
        }
    }
}

extension Frame: Equatable {
    /// Frames are equal when metadata, tensor order and tensors are equal.
    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.metadata == rhs.metadata && lhs.order == rhs.order && lhs.tensors == rhs.tensors
    }
}
