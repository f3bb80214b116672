/// One tensor as it travels in a frame: dtype, shape and raw little-endian bytes.
///
/// The bytes are immutable and shared: tensors read from one frame point into that frame's single data buffer,
/// and copying a `TensorBlob` never copies its bytes. That buffer is 64-byte aligned (8-byte aligned when it is a
/// memory-mapped file, after the header), and frames written by
/// ``FrameWriter`` (or Python's safetensors) place every tensor at a multiple of its element size, but a frame
/// from elsewhere may not: bind the bytes to a type only after checking alignment, or use `loadUnaligned`.
public struct TensorBlob: Sendable {
    /// The element type.
    public let dtype: DType
    /// The dimensions, outermost first. An empty shape is a scalar (one element).
    public let shape: [Int]
    /// The number of elements (the product of `shape`).
    public let elementCount: Int
    /// The number of data bytes (`elementCount * dtype.byteSize`).
    public let byteCount: Int

    let storage: ByteStorage
    let offset: Int

    /// The element count and byte count of a shape, or nil if a dimension is negative or the product overflows.
    static func sizes(dtype: DType, shape: [Int]) -> (elements: Int, bytes: Int)? {
        var elements = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        return overflow ? nil : (elements, bytes)
    }

    /// A view of `byteCount` bytes at `offset` in `storage`; the caller has checked every size.
    init(dtype: DType, shape: [Int], elementCount: Int, byteCount: Int, storage: ByteStorage, offset: Int) {
        self.dtype = dtype
        self.shape = shape
        self.elementCount = elementCount
        self.byteCount = byteCount
        self.storage = storage
        self.offset = offset
    }

    /// Creates a tensor from raw little-endian bytes; throws unless `shape` × `dtype.byteSize` == `bytes.count`.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        // Check the claimed size against the bytes at hand before allocating anything.
        guard let sizes = Self.sizes(dtype: dtype, shape: shape), sizes.bytes == bytes.count else {
            throw TensorStreamError.invalidTensor(
                reason: "\(dtype.rawValue) \(shape) does not describe \(bytes.count) bytes")
        }
        try self.init(dtype: dtype, shape: shape) { destination in
            bytes.withUnsafeBytes { destination.copyMemory(from: $0) }
        }
    }

    /// Creates a tensor by filling fresh, 64-byte-aligned, uninitialized storage of exactly the right size in place
    /// (the way to produce a large tensor without an intermediate array).
    public init(
        dtype: DType, shape: [Int], initializingWith body: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        guard let sizes = Self.sizes(dtype: dtype, shape: shape) else {
            throw TensorStreamError.invalidTensor(reason: "shape \(shape) has a negative dimension or overflows")
        }
        let storage = ByteStorage(capacity: sizes.bytes)
        try body(UnsafeMutableRawBufferPointer(start: storage.base, count: sizes.bytes))
        self.init(
            dtype: dtype, shape: shape, elementCount: sizes.elements, byteCount: sizes.bytes, storage: storage,
            offset: 0)
    }

    /// Calls `body` with the tensor's raw little-endian bytes (valid only during the call).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.base + offset, count: byteCount))
    }

    /// Lets the pages of a memory-mapped weight file under this tensor go (a later read brings them back from the
    /// file), so that a loader converting tensor by tensor holds little more than its output. No effect on bytes
    /// read from a stream.
    public func releaseMappedPages() { storage.releasePages(offset: offset, count: byteCount) }

    /// The raw bytes as an array (a copy).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The same bytes under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) throws -> TensorBlob {
        guard let sizes = Self.sizes(dtype: dtype, shape: newShape), sizes.elements == elementCount else {
            throw TensorStreamError.invalidTensor(reason: "cannot reshape \(shape) to \(newShape)")
        }
        return TensorBlob(
            dtype: dtype, shape: newShape, elementCount: elementCount, byteCount: byteCount, storage: storage,
            offset: offset)
    }
}

extension TensorBlob: Equatable {
    /// Tensors are equal when dtype, shape and bytes are equal.
    public static func == (lhs: TensorBlob, rhs: TensorBlob) -> Bool {
        guard lhs.dtype == rhs.dtype, lhs.shape == rhs.shape else { return false }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } }
    }
}
