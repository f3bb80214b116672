#if canImport(Glibc)
    import Glibc
#endif

/// Per-OS-thread scratch memory for kernels (GEMM packing buffers, tiles).
///
/// Each thread gets its own `Scratch` on first use (a pthread key), so a kernel that runs on a pool worker, on the
/// caller, or serially inside another parallel region never shares a buffer with a concurrent kernel.
/// Buffers only grow, are 64-byte aligned, and live as long as the thread.
final class Scratch {
    private var buffers: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []

    /// A buffer of at least `count` floats for `slot`; its contents are unspecified.
    func buffer(slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= slot {
            buffers.append(
                (
                    UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64).bindMemory(
                        to: Float.self, capacity: 16), 16
                ))
        }
        if buffers[slot].capacity < count {
            UnsafeMutableRawPointer(buffers[slot].pointer).deallocate()
            let p = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64).bindMemory(
                to: Float.self, capacity: count)
            buffers[slot] = (p, count)
        }
        return buffers[slot].pointer
    }

    deinit {
        for b in buffers { UnsafeMutableRawPointer(b.pointer).deallocate() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<Scratch>.fromOpaque(raw).release() }
        }
        return key
    }()

    /// The calling thread's scratch.
    static var current: Scratch {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Scratch>.fromOpaque(raw).takeUnretainedValue()
        }
        let s = Scratch()
        pthread_setspecific(key, Unmanaged.passRetained(s).toOpaque())
        return s
    }
}
