// FrameReader lives here rather than in FrameReader.swift because bin/fuzz compiles Tests/Fuzz/FrameReader.swift
// into the same module, and swiftc refuses two files with one name.

/// Reads frames one at a time from a file descriptor (or a byte buffer), validating each completely before it
/// is returned. At most one frame's bytes are held: all of a frame's tensors share one 64-byte-aligned buffer.
///
/// ```swift
/// var reader = FrameReader(fileDescriptor: 0)
/// while let frame = try reader.next() { ... }
/// ```
public struct FrameReader {
    /// Bytes allocated at first for a data section whose length is only claimed so far; larger sections grow as
    /// their bytes actually arrive, so a header claiming a terabyte fails at EOF, not in `malloc`.
    static let initialDataAllocation = 64 << 20

    /// The name used in error messages (`stdin`, a path).
    public let sourceName: String
    /// The largest header length accepted (16 MiB unless set).
    public let maxHeaderBytes: Int
    /// Whether a `format` value other than this stream's is accepted. Off for streams; on for checkpoint files,
    /// which PyTorch and safetensors label `format: pt` (or `np`, `tf`, `flax`, …).
    public var acceptsForeignFormats = false
    /// The number of frames returned so far.
    public private(set) var framesRead = 0
    /// The stream offset of the next unread byte.
    public private(set) var bytesRead = 0

    private var source: ByteSource
    private var failure: TensorStreamError?
    private var finished = false
    /// The previous frame's data buffer, reused when the caller has let go of that frame.
    private var spare: ByteStorage?

    /// A reader over a file descriptor (not closed by the reader). `maxHeaderBytes` caps the header length.
    public init(fileDescriptor: Int32, sourceName: String = "stdin", maxHeaderBytes: Int = 16 << 20) {
        POSIXIO.enlargePipeBuffer(fileDescriptor)
        self.init(source: .fileDescriptor(fileDescriptor), sourceName: sourceName, maxHeaderBytes: maxHeaderBytes)
    }

    /// A reader over bytes already in memory.
    public init(bytes: [UInt8], sourceName: String = "memory", maxHeaderBytes: Int = 16 << 20) {
        self.init(source: .memory(bytes, position: 0), sourceName: sourceName, maxHeaderBytes: maxHeaderBytes)
    }

    private init(source: ByteSource, sourceName: String, maxHeaderBytes: Int) {
        self.source = source
        self.sourceName = sourceName
        self.maxHeaderBytes = max(0, maxHeaderBytes)
    }

    /// The next frame, or nil at a clean end of stream (EOF exactly at a frame boundary). After an error the
    /// reader keeps throwing that error.
    public mutating func next() throws -> Frame? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            let frame = try readFrame()
            if frame == nil { finished = true } else { framesRead &+= 1 }
            return frame
        } catch let error as TensorStreamError {
            failure = error
            throw error
        }
    }

    /// Whether the input has ended (reads one byte to find out; a byte found is a `trailingData` error).
    mutating func expectEnd() throws {
        var byte: UInt8 = 0
        let got = try withUnsafeMutableBytes(of: &byte) { try read(into: $0) }
        if got != 0 { throw TensorStreamError.trailingData(here(offset: bytesRead &- 1)) }
    }

    private func here(offset: Int) -> StreamPosition {
        StreamPosition(source: sourceName, frame: framesRead, offset: offset)
    }

    private mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        do {
            let got = try source.read(into: buffer)
            bytesRead &+= got
            return got
        } catch let error as POSIXError {
            throw TensorStreamError.readFailed(here(offset: bytesRead), errno: error.code)
        }
    }

    private mutating func readFrame() throws -> Frame? {
        let frameStart = bytesRead
        var lengthBytes: UInt64 = 0
        let got = try withUnsafeMutableBytes(of: &lengthBytes) { try read(into: $0) }
        if got == 0 { return nil }
        if got < 8 {
            throw TensorStreamError.truncated(here(offset: bytesRead), what: "header length", expected: 8, got: got)
        }
        let claimed = UInt64(littleEndian: lengthBytes)
        guard claimed <= UInt64(maxHeaderBytes) else {
            throw TensorStreamError.headerTooLarge(here(offset: frameStart), claimed: claimed, limit: maxHeaderBytes)
        }
        let headerLength = Int(claimed)
        let headerStart = bytesRead
        let header = try readBlock(count: headerLength, what: "header", reusing: nil)
        let parsed = try FrameHeader(
            parsing: UnsafeRawBufferPointer(start: header.base, count: headerLength),
            at: here(offset: headerStart), acceptingForeignFormats: acceptsForeignFormats)

        let data = try readBlock(count: parsed.dataLength, what: "data", reusing: takeSpare())
        var frame = Frame(metadata: parsed.metadata)
        for entry in parsed.entries {
            frame[entry.name] = TensorBlob(
                dtype: entry.dtype, shape: entry.shape, elementCount: entry.elementCount,
                byteCount: entry.end &- entry.begin, storage: data, offset: entry.begin)
        }
        spare = data
        return frame
    }

    /// The spare buffer if nothing but this reader refers to it any more.
    private mutating func takeSpare() -> ByteStorage? {
        guard isKnownUniquelyReferenced(&spare) else {
            spare = nil
            return nil
        }
        defer { spare = nil }
        return spare
    }

    /// Reads exactly `count` bytes into an aligned buffer. The buffer starts no larger than the bytes known to
    /// remain (or ``initialDataAllocation`` on a pipe) and grows only as bytes arrive.
    private mutating func readBlock(count: Int, what: String, reusing candidate: ByteStorage?) throws -> ByteStorage {
        var storage: ByteStorage
        if let candidate, candidate.capacity >= count, candidate.capacity / 2 <= count {
            storage = candidate
        } else {
            // A file or buffer says how much is really there; a pipe does not, so start with a sane chunk.
            let first = source.remaining.map { min(count, $0) } ?? min(count, Self.initialDataAllocation)
            storage = ByteStorage(capacity: first)
        }
        let start = bytesRead
        var filled = 0
        while filled < count {
            if filled == storage.capacity {
                let doubled = storage.capacity > Int.max / 2 ? Int.max : max(storage.capacity * 2, 4096)
                storage = storage.grown(to: min(count, doubled), keeping: filled)
            }
            let want = min(storage.capacity, count) &- filled
            let got = try read(into: UnsafeMutableRawBufferPointer(start: storage.base + filled, count: want))
            filled &+= got
            if got < want {
                throw TensorStreamError.truncated(
                    here(offset: start &+ filled), what: what, expected: count, got: filled)
            }
        }
        return storage
    }
}
