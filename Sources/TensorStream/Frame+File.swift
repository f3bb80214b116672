#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Frame {
    /// Reads a `.safetensors` file holding exactly one frame (a weight file or a cached stage output).
    /// Files without a `format` key are accepted, as in streams; with `acceptingForeignFormats` (checkpoints), so
    /// are files labelled by another writer (`format: pt`), though never another major version of this stream.
    ///
    /// A well-formed regular file is memory-mapped rather than read: tensors point into the mapping, so a
    /// multi-gigabyte checkpoint costs address space, not a heap copy (see ``TensorBlob/releaseMappedPages()``).
    /// Anything else (a pipe, a truncated or padded file) goes through the stream reader and its diagnostics.
    public init(contentsOf path: String, maxHeaderBytes: Int = 16 << 20, acceptingForeignFormats: Bool = false)
        throws
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TensorStreamError.openFailed(path: path, errno: errno) }
        defer { close(fd) }
        if let mapped = try Frame(
            mapping: fd, path: path, maxHeaderBytes: maxHeaderBytes, acceptingForeignFormats: acceptingForeignFormats)
        {
            self = mapped
            return
        }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path, maxHeaderBytes: maxHeaderBytes)
        reader.acceptsForeignFormats = acceptingForeignFormats
        guard let frame = try reader.next() else {
            throw TensorStreamError.truncated(
                StreamPosition(source: path, frame: 0, offset: 0), what: "header length", expected: 8, got: 0)
        }
        try reader.expectEnd()
        self = frame
    }

    /// The frame of a regular file whose size is exactly one frame's, read through a private mapping; nil when the
    /// file is not such a file (or cannot be mapped), leaving the caller to read it as a stream.
    private init?(mapping fd: Int32, path: String, maxHeaderBytes: Int, acceptingForeignFormats: Bool) throws {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size >= 8 else { return nil }
        let size = Int(status.st_size)
        var lengthBytes: UInt64 = 0
        guard pread(fd, &lengthBytes, 8, 0) == 8 else { return nil }
        let claimed = UInt64(littleEndian: lengthBytes)
        guard claimed <= UInt64(maxHeaderBytes), claimed <= UInt64(size - 8) else { return nil }
        let dataStart = 8 + Int(claimed)
        guard let storage = ByteStorage(mapping: fd, length: size, offset: dataStart, capacity: size - dataStart)
        else { return nil }
        let parsed = try FrameHeader(
            parsing: UnsafeRawBufferPointer(start: storage.base - Int(claimed), count: Int(claimed)),
            at: StreamPosition(source: path, frame: 0, offset: 8), acceptingForeignFormats: acceptingForeignFormats)
        guard parsed.dataLength == storage.capacity else { return nil }
        self.init(metadata: parsed.metadata)
        for entry in parsed.entries {
            self[entry.name] = TensorBlob(
                dtype: entry.dtype, shape: entry.shape, elementCount: entry.elementCount,
                byteCount: entry.end &- entry.begin, storage: storage, offset: entry.begin)
        }
    }

    /// Reads every frame of a stream file.
    public static func frames(contentsOf path: String, maxHeaderBytes: Int = 16 << 20) throws -> [Frame] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TensorStreamError.openFailed(path: path, errno: errno) }
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path, maxHeaderBytes: maxHeaderBytes)
        var frames: [Frame] = []
        while let frame = try reader.next() { frames.append(frame) }
        return frames
    }

    /// Writes the frame as a one-frame `.safetensors` file, through a temporary file renamed into place so that
    /// a failed write never leaves a partial file at `path`.
    public func write(to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TensorStreamError.openFailed(path: temporary, errno: errno) }
        do {
            try FrameWriter(fileDescriptor: fd).write(self)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let code = errno
            unlink(temporary)
            throw TensorStreamError.writeFailed(errno: code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw TensorStreamError.openFailed(path: path, errno: code)
        }
    }
}
