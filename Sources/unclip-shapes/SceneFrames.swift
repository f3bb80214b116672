import Shapes
import TensorStream

/// Scenes as image frames: `image` F32 [B, 3, H, W] in [-1, 1] plus their captions and attributes.
enum SceneFrames {
    /// The frame for scenes `indices` of a data set: tensor `image`; metadata `prompt` (JSON array of captions),
    /// `scenes` (JSON array of the attributes, each with its seed and split) and, through the stage stamp,
    /// `seed` (the first scene's seed).
    static func frame(_ dataSet: DataSet, indices: Range<Int>, size: Int) throws -> Frame {
        var values: [Float] = []
        values.reserveCapacity(indices.count * 3 * size * size)
        var captions: [String] = []
        var scenes: [Scene] = []
        for index in indices {
            let scene = dataSet.scene(at: index)
            values += scene.renderPlanar(size: size)
            captions.append(dataSet.caption(for: scene))
            scenes.append(scene)
        }
        var frame = Frame()
        frame["image"] = try TensorBlob.float32(shape: [indices.count, 3, size, size], values)
        frame.setMetadataList(captions, for: "prompt")
        frame.metadata["scenes"] = Scene.attributesJSON(scenes)
        return frame
    }
}
