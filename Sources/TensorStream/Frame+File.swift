#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Frame {
    /// Reads a `.safetensors` file holding exactly one frame (a weight file or a cached stage output).
    /// Files without a `format` key are accepted, as in streams; with `acceptingForeignFormats` (checkpoints), so
    /// are files labelled by another writer (`format: pt`), though never another major version of this stream.
    public init(contentsOf path: String, maxHeaderBytes: Int = 16 << 20, acceptingForeignFormats: Bool = false)
        throws
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TensorStreamError.openFailed(path: path, errno: errno) }
        defer { close(fd) }
        var reader = FrameReader(fileDescriptor: fd, sourceName: path, maxHeaderBytes: maxHeaderBytes)
        reader.acceptsForeignFormats = acceptingForeignFormats
        guard let frame = try reader.next() else {
            throw TensorStreamError.truncated(
                StreamPosition(source: path, frame: 0, offset: 0), what: "header length", expected: 8, got: 0)
        }
        try reader.expectEnd()
        self = frame
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
