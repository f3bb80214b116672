/// The memory behind a `Tensor`: `count` float32 values at a 64-byte-aligned address that never changes.
///
/// The pointer is a `let` so kernels read it without exclusivity checks or retain traffic
/// (a class-held `var` array is ~500x slower in a loop on this machine).
public final class TensorStorage {
    /// Start of the storage, 64-byte aligned, valid for `count` floats (at least one float is allocated).
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of float32 values.
    public let count: Int

    /// Allocates `count` floats set to zero.
    public init(count: Int) {
        precondition(count >= 0, "TensorStorage: negative count")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates a copy of `count` floats read from `source`.
    public convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(count: count)
        pointer.update(from: source, count: count)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
