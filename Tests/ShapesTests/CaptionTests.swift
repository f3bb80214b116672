import Foundation
import Testing

@testable import Shapes

/// Reads captions back word by word and checks every claim they make against the scene's attributes.
@Suite struct CaptionTests {
    @Test func captionsAreTruthful() {
        for split in Split.allCases {
            for seed in UInt64(0)..<1500 {
                let scene = Scene(seed: seed, split: split)
                for variant in 0..<4 {
                    let caption = scene.caption(variant: variant)
                    let problems = CaptionTests.falseClaims(caption, scene)
                    #expect(problems.isEmpty, "\(split) \(seed): \"\(caption)\": \(problems)")
                }
            }
        }
    }

    @Test func captionsVary() {
        var phrasings = Set<String>()
        let scene = Scene(seed: 3, split: .train)
        for variant in 0..<40 { phrasings.insert(scene.caption(variant: variant)) }
        #expect(phrasings.count >= 5)
        #expect(scene.caption == scene.caption(variant: 0))
    }

    @Test func articlesAgree() {
        let scene = Scene(
            background: Background(style: .plain, colors: [.white]),
            objects: [SceneObject(shape: .star, color: .orange, size: .large, position: .left)])
        for variant in 0..<40 {
            let caption = scene.caption(variant: variant)
            #expect(!caption.contains("a orange") && !caption.contains("an large"), "\(caption)")
        }
    }

    @Test func handMadeRelationCaption() {
        let scene = Scene(
            background: Background(style: .plain, colors: [.white]),
            objects: [
                SceneObject(shape: .star, color: .red, size: .small, position: .top),
                SceneObject(shape: .ring, color: .blue, size: .large, position: .bottom),
            ])
        var sawRelation = false
        for variant in 0..<100 {
            let caption = scene.caption(variant: variant)
            #expect(CaptionTests.falseClaims(caption, scene).isEmpty, "\(caption)")
            if caption.contains("star above a") || caption.contains("ring below a") { sawRelation = true }
            #expect(!caption.contains("star below") && !caption.contains("ring above"))
        }
        #expect(sawRelation)
    }

    /// Returns a description of every false or unverifiable claim in a caption.
    static func falseClaims(_ caption: String, _ scene: Scene) -> [String] {
        var problems: [String] = []
        let words = caption.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: ":", with: "")
            .split(separator: " ").map(String.init)
        func object(at i: Int) -> SceneObject? {
            guard i + 1 < words.count, let color = NamedColor(rawValue: words[i]),
                let shape = ShapeKind(rawValue: words[i + 1])
            else { return nil }
            return scene.objects.first { $0.color == color && $0.shape == shape }
        }
        var mentioned: [SceneObject] = []
        for i in words.indices where NamedColor(rawValue: words[i]) != nil {
            guard i + 1 < words.count, ShapeKind(rawValue: words[i + 1]) != nil else { continue }  // background colour
            guard let o = object(at: i) else {
                problems.append("no \(words[i]) \(words[i + 1])")
                continue
            }
            mentioned.append(o)
            if i > 0, let size = ObjectSize(rawValue: words[i - 1]), size != o.size {
                problems.append("size of \(o.noun)")
            }
            let rest = words[(i + 2)...].joined(separator: " ")
            for position in Position.allCases where rest.hasPrefix(position.phrase) && position != o.position {
                problems.append("\(o.noun) is not \(position.phrase)")
            }
            for relation in Relation.allCases where rest.hasPrefix(relation.phrase + " ") {
                // "... above a [small] blue ring"
                var j = i + 2 + relation.phrase.split(separator: " ").count + 1
                if j < words.count, ObjectSize(rawValue: words[j]) != nil { j += 1 }
                guard let reference = object(at: j) else {
                    problems.append("relation without a known reference")
                    continue
                }
                if !relation.holds(o.position, reference.position) {
                    problems.append("\(o.noun) not \(relation.phrase) \(reference.noun)")
                }
            }
        }
        if !mentioned.contains(scene.objects[0]) { problems.append("subject not mentioned") }
        for (article, word) in zip(words, words.dropFirst()) {
            let vowel = "aeiou".contains(word.first ?? "x")
            if (article == "a" && vowel) || (article == "an" && !vowel) { problems.append("\(article) \(word)") }
        }
        if caption.contains("background") || caption.contains("stripes") {
            let phrases = [scene.background.phrase(variant: 0), scene.background.phrase(variant: 1)]
            if !phrases.contains(where: { caption.contains($0) }) { problems.append("background") }
        }
        return problems
    }
}
