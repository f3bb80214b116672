/// One captioned picture of the synthetic world: a background and one to three objects, all determined by a
/// seed, a split and the sampling options.
///
/// Geometry is in normalized coordinates, so the same scene renders as the same picture at any resolution.
public struct Scene: Codable, Sendable, Equatable {
    /// The seed the scene was drawn from.
    public var seed: UInt64
    /// The split the scene was drawn for.
    public var split: Split
    /// The background.
    public var background: Background
    /// The objects, in painting order (they never overlap). The first is the scene's subject: held-out scenes
    /// put the held-out pair there, and partial captions ("a picture of a red star") name it.
    public var objects: [SceneObject]

    /// Creates a scene from explicit parts (tests, hand-made prompts).
    public init(seed: UInt64 = 0, split: Split = .train, background: Background, objects: [SceneObject]) {
        self.seed = seed
        self.split = split
        self.background = background
        self.objects = objects
    }

    /// Draws the scene for `seed` in `split`.
    public init(seed: UInt64, split: Split, options: SamplingOptions = .full) {
        self = SceneSampler(seed: seed, split: split, options: options).sample()
    }

    /// Whether `object` could be added to the scene: clear of every object by the gap the sampler keeps.
    public func hasRoom(for object: SceneObject) -> Bool {
        objects.allSatisfy { SceneSampler.separated(object, $0) }
    }

    /// The spatial relations that hold between object `i` and object `j`.
    public func relations(_ i: Int, _ j: Int) -> [Relation] {
        guard objects.indices.contains(i), objects.indices.contains(j), i != j else { return [] }
        return Relation.all(objects[i].position, objects[j].position)
    }
}
