#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A 64-byte-aligned block of raw bytes that tensors share. The pointer never changes; once a frame is built its
/// bytes are not written again (the reader reuses a block only when nothing else refers to it).
final class ByteStorage: @unchecked Sendable {
    static let alignment = 64
    let base: UnsafeMutableRawPointer
    let capacity: Int

    /// Allocates `capacity` bytes (at least one, so that `base` is always valid).
    init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: Self.alignment)
    }

    deinit { base.deallocate() }

    /// A copy of the first `count` bytes into a larger block.
    func grown(to newCapacity: Int, keeping count: Int) -> ByteStorage {
        let bigger = ByteStorage(capacity: newCapacity)
        bigger.base.copyMemory(from: base, byteCount: count)
        return bigger
    }
}
