/// A dense, row-major float32 tensor with value semantics.
///
/// Storage is a contiguous, 64-byte-aligned buffer held by a `TensorStorage`. Copies share the buffer until one
/// of them is mutated (copy-on-write), so `reshaped(_:)` and passing tensors around are free.
public struct Tensor {
    /// The dimensions, outermost first. A scalar has shape `[]`.
    public private(set) var shape: [Int]
    /// The buffer; shared between copies until a mutation.
    public private(set) var storage: TensorStorage

    /// Number of elements (product of `shape`).
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// Checks that every dimension is non-negative and returns the element count.
    static func elementCount(_ shape: [Int], op: String) throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw TensorError.invalidShape(op: op, shape: shape, reason: "negative dimension") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= (1 << 40) else {
                throw TensorError.invalidShape(op: op, shape: shape, reason: "too many elements")
            }
            n = p
        }
        return n
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) throws {
        let n = try Tensor.elementCount(shape, op: "Tensor(zeros:)")
        self.shape = shape
        storage = TensorStorage(count: n)
    }

    /// A zero tensor whose memory is only committed when written (see ``TensorStorage/init(untouchedZeros:)``):
    /// the placeholder for a parameter that initialisation or a checkpoint will overwrite.
    public init(untouchedZeros shape: [Int]) throws {
        let n = try Tensor.elementCount(shape, op: "Tensor(untouchedZeros:)")
        self.shape = shape
        storage = TensorStorage(untouchedZeros: n)
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) throws {
        try self.init(zeros: shape)
        storage.pointer.update(repeating: value, count: count)
    }

    /// A tensor holding `scalars` in row-major order; throws if their number is not the product of `shape`.
    public init(shape: [Int], scalars: [Float]) throws {
        let n = try Tensor.elementCount(shape, op: "Tensor(shape:scalars:)")
        guard n == scalars.count else {
            throw TensorError.shapeMismatch(op: "Tensor(shape:scalars:)", lhs: shape, rhs: [scalars.count])
        }
        self.shape = shape
        storage = TensorStorage(count: n)
        scalars.withUnsafeBufferPointer { if n > 0 { storage.pointer.update(from: $0.baseAddress!, count: n) } }
    }

    /// Wraps existing storage; `shape` must describe exactly `storage.count` elements.
    public init(shape: [Int], storage: TensorStorage) throws {
        let n = try Tensor.elementCount(shape, op: "Tensor(shape:storage:)")
        guard n == storage.count else {
            throw TensorError.shapeMismatch(op: "Tensor(shape:storage:)", lhs: shape, rhs: [storage.count])
        }
        self.shape = shape
        self.storage = storage
    }

    /// A zero tensor of a shape already known to be valid (from another tensor).
    init(validShape shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// An output tensor whose elements the caller's kernel writes, every one, before anything reads them: no
    /// zero-filling pass.
    init(unfilledShape shape: [Int]) throws {
        let n = try Tensor.elementCount(shape, op: "Tensor(unfilledShape:)")
        self.shape = shape
        storage = TensorStorage(unfilledCount: n)
    }

    /// ``init(unfilledShape:)`` for the shape of an existing tensor (so known to be valid).
    init(unfilledLike other: Tensor) {
        shape = other.shape
        storage = TensorStorage(unfilledCount: other.count)
    }

    /// The elements in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// Reads or writes the element at flat (row-major) index `i`. `i` must be in `0..<count`.
    public subscript(flat i: Int) -> Float {
        get {
            precondition(i >= 0 && i < count, "Tensor: flat index out of range")
            return storage.pointer[i]
        }
        set {
            precondition(i >= 0 && i < count, "Tensor: flat index out of range")
            makeUnique()
            storage.pointer[i] = newValue
        }
    }

    /// The same elements under a new shape (no copy). One dimension may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var dims = newShape
        let inferred = dims.indices.filter { dims[$0] == -1 }
        guard inferred.count <= 1 else {
            throw TensorError.invalidShape(op: "reshaped", shape: newShape, reason: "more than one -1")
        }
        if let i = inferred.first {
            dims[i] = 1
            let rest = try Tensor.elementCount(dims, op: "reshaped")
            guard rest > 0, count % rest == 0 else {
                throw TensorError.shapeMismatch(op: "reshaped", lhs: shape, rhs: newShape)
            }
            dims[i] = count / rest
        }
        guard try Tensor.elementCount(dims, op: "reshaped") == count else {
            throw TensorError.shapeMismatch(op: "reshaped", lhs: shape, rhs: newShape)
        }
        var t = self
        t.shape = dims
        return t
    }

    /// Copies the storage if another tensor shares it, so a mutation is not seen by copies.
    public mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = TensorStorage(copying: storage.pointer, count: storage.count)
        }
    }

    /// Calls `body` with the elements for reading.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with the elements for writing (copying first if the storage is shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
