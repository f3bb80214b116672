import TensorStream

extension Tensor {
    /// A float32 tensor from a frame or checkpoint tensor of any dtype, converted at load (F16, BF16, F64 and
    /// integers are widened or rounded to the nearest float; BOOL gives 0 or 1).
    public init(_ blob: TensorBlob) throws {
        let n = try Tensor.elementCount(blob.shape, op: "Tensor(TensorBlob)")
        let storage = TensorStorage(count: n)
        if blob.dtype == .f32 {
            blob.withUnsafeBytes { raw in
                if n > 0, let base = raw.baseAddress {
                    UnsafeMutableRawPointer(storage.pointer).copyMemory(from: base, byteCount: n * 4)
                }
            }
        } else {
            let values = try blob.floats()
            values.withUnsafeBufferPointer { if n > 0 { storage.pointer.update(from: $0.baseAddress!, count: n) } }
        }
        try self.init(shape: blob.shape, storage: storage)
    }

    /// The tensor as a frame tensor of `dtype`: `.f32` (exact), `.bf16` or `.f16` (rounded to nearest even).
    public func blob(dtype: DType = .f32) throws -> TensorBlob {
        let n = count, src = storage.pointer
        switch dtype {
        case .f32:
            return try TensorBlob(dtype: .f32, shape: shape) { raw in
                if n > 0 { raw.baseAddress!.copyMemory(from: src, byteCount: n * 4) }
            }
        case .bf16:
            return try TensorBlob(dtype: .bf16, shape: shape) { raw in
                for i in 0..<n {
                    let bits = src[i].bitPattern
                    let rounded: UInt32 =
                        src[i].isNaN
                        ? (bits | 0x0040_0000) : bits &+ 0x7FFF &+ ((bits >> 16) & 1)
                    raw.storeBytes(
                        of: UInt16(truncatingIfNeeded: rounded >> 16).littleEndian, toByteOffset: 2 * i,
                        as: UInt16.self)
                }
            }
        case .f16:
            return try TensorBlob(dtype: .f16, shape: shape) { raw in
                for i in 0..<n {
                    raw.storeBytes(of: Float16(src[i]).bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
                }
            }
        default:
            throw TensorError.invalidArgument(
                op: "Tensor.blob", reason: "cannot write \(dtype.rawValue); use F32, BF16 or F16")
        }
    }
}

/// Named float32 tensors stored as one `.safetensors` file (a weight file), in a given order.
public struct WeightFile {
    /// The tensors in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The `__metadata__` map.
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads a `.safetensors` file, converting every tensor to float32. Checkpoints written by PyTorch or
    /// safetensors (`__metadata__["format"] = "pt"`) are accepted.
    public init(contentsOf path: String) throws {
        let frame = try Frame(contentsOf: path, acceptingForeignFormats: true)
        // The file is mapped: convert tensor by tensor and let each one's file pages go, so that loading holds
        // about one copy of the weights, not two.
        tensors = try frame.tensorsInOrder.map { entry in
            defer { entry.tensor.releaseMappedPages() }
            return (entry.name, try Tensor(entry.tensor))
        }
        metadata = frame.metadata
    }

    /// The tensor named `name`, or an error naming it.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors.first(where: { $0.name == name })?.tensor else {
            throw TensorError.invalidArgument(op: "WeightFile", reason: "no tensor '\(name)'")
        }
        return t
    }

    /// Writes the file (atomically, through a temporary file), tensors stored as `dtype`.
    public func write(to path: String, dtype: DType = .f32) throws {
        var frame = Frame(metadata: metadata)
        for (name, t) in tensors { frame[name] = try t.blob(dtype: dtype) }
        try frame.write(to: path)
    }
}
