import TensorStream

/// How the zero-shot stages find CLIP embeddings in a frame.
public enum ZeroShotFrames {
    /// The frame's image embeddings `[B, D]`: `image.embed` when present; otherwise `encode` adds it from the
    /// frame's `image` (nil `encode`: there is no model to do so, an error that says what is missing).
    public static func imageEmbeddings(in frame: inout Frame, encode: ((inout Frame) throws -> Void)?) throws
        -> FeatureRows
    {
        if frame["image.embed"] == nil {
            guard frame["image"] != nil else {
                throw CLIPError.badInput(
                    "no 'image.embed' or 'image' tensor (it has: \(frame.names.joined(separator: ", ")))")
            }
            guard let encode else {
                throw CLIPError.badInput("no 'image.embed' tensor; give --model DIR to encode 'image'")
            }
            try encode(&frame)
        }
        return try FeatureRows(try frame.tensor("image.embed"), name: "image.embed")
    }
}
