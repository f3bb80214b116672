import TensorStream

/// Merging frames side by side, for `unclip-tensors paste` (e.g. an image stream with a text stream).
public enum FramePaste {
    /// One frame holding every tensor of `frames`, in order. A name in two frames is an error naming both
    /// sources; for a metadata key in several frames the first value wins.
    public static func merge(_ frames: [Frame], sources: [String], frameIndex: Int) throws -> Frame {
        var out = Frame()
        var owner: [String: String] = [:]
        for (frame, source) in zip(frames, sources) {
            for name in frame.names {
                if let first = owner[name] {
                    throw StageError("frame \(frameIndex): tensor '\(name)' is in both '\(first)' and '\(source)'")
                }
                owner[name] = source
                out[name] = frame[name]
            }
            for (key, value) in frame.metadata where out.metadata[key] == nil { out.metadata[key] = value }
        }
        return out
    }
}
