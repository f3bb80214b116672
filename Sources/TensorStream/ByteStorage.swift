#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A block of raw bytes that tensors share: 64-byte-aligned heap memory, or a file mapped into memory. The
/// pointer never changes; once a frame is built its bytes are not written again (the reader reuses a heap block
/// only when nothing else refers to it).
final class ByteStorage: @unchecked Sendable {
    static let alignment = 64
    let base: UnsafeMutableRawPointer
    let capacity: Int
    /// The whole mapping when the bytes are a mapped file (`base` points into it), else nil.
    private let mapping: UnsafeMutableRawBufferPointer?

    /// Allocates `capacity` bytes (at least one, so that `base` is always valid).
    init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: Self.alignment)
        mapping = nil
    }

    /// Maps the first `length` bytes of the open file `fd` privately (pages are read from the file on first touch
    /// and never written back); the storage is the `capacity` bytes at `offset`. Nil if the file cannot be mapped.
    init?(mapping fd: Int32, length: Int, offset: Int, capacity: Int) {
        guard length > 0, offset >= 0, offset <= length, capacity <= length &- offset else { return nil }
        let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let start, start != MAP_FAILED else { return nil }
        mapping = UnsafeMutableRawBufferPointer(start: start, count: length)
        base = start + offset
        self.capacity = capacity
    }

    deinit {
        if let mapping {
            munmap(mapping.baseAddress, mapping.count)
        } else {
            base.deallocate()
        }
    }

    /// Whether the bytes are a mapped file.
    var isMapped: Bool { mapping != nil }

    /// Lets the kernel drop the mapped pages lying wholly inside `count` bytes at `offset` (a later read brings
    /// them back from the file), so that converting a checkpoint tensor by tensor never holds the whole file in
    /// memory. Heap storage is left alone.
    func releasePages(offset: Int, count: Int) {
        guard mapping != nil, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: base + offset), end = first &+ count
        let alignedStart = (first &+ page &- 1) / page * page, alignedEnd = end / page * page
        guard alignedEnd > alignedStart, let start = UnsafeMutableRawPointer(bitPattern: alignedStart) else { return }
        madvise(start, alignedEnd &- alignedStart, Int32(MADV_DONTNEED))
    }

    /// A copy of the first `count` bytes into a larger block.
    func grown(to newCapacity: Int, keeping count: Int) -> ByteStorage {
        let bigger = ByteStorage(capacity: newCapacity)
        bigger.base.copyMemory(from: base, byteCount: count)
        return bigger
    }
}
