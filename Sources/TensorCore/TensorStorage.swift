#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The memory behind a `Tensor`: `count` float32 values at a 64-byte-aligned address that never changes.
///
/// The pointer is a `let` so kernels read it without exclusivity checks or retain traffic
/// (a class-held `var` array is ~500x slower in a loop on this machine).
public final class TensorStorage {
    /// Start of the storage, 64-byte aligned, valid for `count` floats (at least one float is allocated).
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of float32 values.
    public let count: Int

    /// Bytes mapped from the kernel for an ``init(untouchedZeros:)`` block, 0 for heap memory.
    private let mappedBytes: Int

    private init(pointer: UnsafeMutablePointer<Float>, count: Int, mappedBytes: Int) {
        self.pointer = pointer
        self.count = count
        self.mappedBytes = mappedBytes
    }

    /// Allocates `count` floats set to zero.
    public convenience init(count: Int) {
        self.init(unfilledCount: count)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Allocates `count` floats without setting them, for an output that a kernel writes in full before anything
    /// reads it (a recycled block still holds an earlier tensor's values until then).
    convenience init(unfilledCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative count")
        let raw = BlockPool.allocate(byteCount: max(count, 1) * 4)
        self.init(pointer: raw.bindMemory(to: Float.self, capacity: max(count, 1)), count: count, mappedBytes: 0)
    }

    /// Allocates `count` floats that read as zero without having been written: a large block is fresh anonymous
    /// memory whose pages the kernel supplies on first touch, so a parameter that a checkpoint is about to
    /// replace occupies no memory in the meantime. Small blocks are ordinary zeroed heap memory.
    public convenience init(untouchedZeros count: Int) {
        precondition(count >= 0, "TensorStorage: negative count")
        let bytes = count * 4
        if bytes >= 1 << 20,
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            raw != MAP_FAILED
        {
            self.init(pointer: raw.bindMemory(to: Float.self, capacity: count), count: count, mappedBytes: bytes)
        } else {
            self.init(count: count)
        }
    }

    /// Allocates a copy of `count` floats read from `source`.
    public convenience init(copying source: UnsafePointer<Float>, count: Int) {
        self.init(count: count)
        pointer.update(from: source, count: count)
    }

    deinit {
        if mappedBytes > 0 {
            munmap(UnsafeMutableRawPointer(pointer), mappedBytes)
        } else {
            BlockPool.release(UnsafeMutableRawPointer(pointer), byteCount: max(count, 1) * 4)
        }
    }
}

/// Recycles large heap blocks between tensors of the same byte size. A training step frees and allocates the same
/// activation and gradient sizes every step; without reuse each large block comes fresh from the kernel, which
/// page-faults and zeroes its pages (perf stat on `unclip-bench unet-train`, the embedded decoder at batch 8: about
/// 25,000 page faults per step in steady state without reuse, none with it). Blocks of at least `minimumBytes` are
/// kept for reuse up to `capacityBytes` in all; beyond that the sizes released longest ago are freed first.
enum BlockPool {
    static let minimumBytes = 1 << 16
    static let capacityBytes = 3 << 30

    private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) private static var order: [Int] = []  // sizes in order of first release, oldest first
    nonisolated(unsafe) private static var cachedBytes = 0

    /// A 64-byte-aligned block of `byteCount` bytes, recycled when one of that size is free (contents undefined).
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        if byteCount >= minimumBytes {
            pthread_mutex_lock(lock)
            defer { pthread_mutex_unlock(lock) }
            if let block = free[byteCount]?.popLast() {
                cachedBytes -= byteCount
                return block
            }
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    /// Returns a block from `allocate(byteCount:)`.
    static func release(_ block: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= minimumBytes, byteCount <= capacityBytes else { return block.deallocate() }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while cachedBytes + byteCount > capacityBytes, let oldest = order.first {
            for stale in free[oldest] ?? [] { stale.deallocate() }
            cachedBytes -= oldest * (free[oldest]?.count ?? 0)
            free[oldest] = nil
            order.removeFirst()
        }
        if free[byteCount] == nil { order.append(byteCount) }
        free[byteCount, default: []].append(block)
        cachedBytes += byteCount
    }
}
