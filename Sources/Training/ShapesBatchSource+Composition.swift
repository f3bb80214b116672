import Shapes

/// Composition hard negatives: a CLIP trained on independent scenes scores "a red circle above a blue square"
/// about as high for the blue square above the red circle, for the colours the other way round, or for two red
/// circles and a blue square. In a batch with all four pictures and their captions, only attending to order,
/// binding and count tells them apart.
extension ShapesBatchSource {
    /// A batch from `words` (3 per example): each drawn scene, and after a two-object scene its
    /// `compositionVariants`, after any other its `shapeGroup - 1` shape variants, all with captions of one
    /// phrasing that tells them apart.
    func compositionScenes(size: Int, words: [UInt32]) -> (scenes: [Scene], captions: [String]) {
        var scenes: [Scene] = [], captions: [String] = []
        var i = 0
        while i < size {
            var seed = UInt64(words[3 * i]) << 32 | UInt64(words[3 * i + 1])
            if let n = sceneCount { seed %= UInt64(n) }
            let scene = Scene(seed: seed, split: split, options: options)
            let variants =
                scene.objects.count == 2
                ? Self.compositionVariants(of: scene)
                : Self.shapeVariants(of: scene, count: shapeGroup - 1, split: split)
            let group = Array(([scene] + variants).prefix(size - i))
            let variant = Self.distinguishingVariant(
                of: group, from: Int(words[3 * i + 2] % UInt32(captionVariants)), tries: captionVariants)
            scenes += group
            captions += group.map { $0.caption(variant: variant) }
            i += group.count
        }
        return (scenes, captions)
    }

    /// For a scene of exactly two objects A and B: A and B with their places swapped, with their colours swapped
    /// (unless that makes a held-out pair), and A drawn a second time in a free slot (when one fits). Empty for
    /// other scenes.
    static func compositionVariants(of scene: Scene) -> [Scene] {
        guard scene.objects.count == 2 else { return [] }
        let a = scene.objects[0], b = scene.objects[1]
        var variants: [Scene] = []

        var moved = scene
        (moved.objects[0].position, moved.objects[0].x, moved.objects[0].y) = (b.position, b.x, b.y)
        (moved.objects[1].position, moved.objects[1].x, moved.objects[1].y) = (a.position, a.x, a.y)
        variants.append(moved)

        var recoloured = scene
        (recoloured.objects[0].color, recoloured.objects[1].color) = (b.color, a.color)
        if !recoloured.objects.contains(where: { Split.isHeldOut($0.combination) }) { variants.append(recoloured) }

        var rng = SplitMix64(seed: scene.seed, stream: 0x434F_4D50_4F53_0000)
        for slot in rng.shuffled(Position.allCases) where slot != a.position && slot != b.position {
            var twin = a
            (twin.position, twin.x, twin.y) = (slot, slot.center.x, slot.center.y)
            if scene.hasRoom(for: twin) {
                var repeated = scene
                repeated.objects.append(twin)
                variants.append(repeated)
                break
            }
        }
        return variants
    }

    /// `count` copies of `scene`, each with another shape for its first object (`otherShapes`).
    static func shapeVariants(of scene: Scene, count: Int, split: Split) -> [Scene] {
        let others = otherShapes(for: scene, split: split)
        guard !others.isEmpty else { return [] }
        return (0..<count).map { k in
            var variant = scene
            variant.objects[0].shape = others[k % others.count]
            return variant
        }
    }

    /// The first caption variant from `start` (of `tries`) under which the scenes' captions are all different
    /// ("a picture of a red circle" names a place-swapped pair alike); `start` when none is.
    static func distinguishingVariant(of scenes: [Scene], from start: Int, tries: Int) -> Int {
        guard scenes.count > 1 else { return start }
        for variant in start..<start + tries
        where Set(scenes.map { $0.caption(variant: variant) }).count == scenes.count {
            return variant
        }
        return start
    }
}
