import Messages
/// Measurements of one photo and the problems they reveal; encodes to the JSON the daemon
/// reports alongside the spoken message.
public struct QualityReport: Codable, Sendable, Equatable {
    /// The numbers behind the verdict, all measured on luminance reduced to at most
    /// `QualityCheck.Thresholds.analysisSide` pixels on the longer side.
    public struct Scores: Codable, Sendable, Equatable {
        /// Size actually analysed.
        public var width: Int
        public var height: Int
        /// Mean luma, 0...255.
        public var meanLuminance: Float
        /// Luma percentiles from the histogram, 0...255.
        public var p5: Float
        public var p50: Float
        public var p95: Float
        /// Spread between the 5th and 95th percentile: how much the photo varies at all.
        public var contrast: Float
        /// The spread relative to the brightness, (p95 - p5) / (p95 + p5), 0...1 (Michelson
        /// contrast of the percentiles): low for fog and glare however bright the photo is.
        public var relativeContrast: Float
        /// Fraction of pixels at or below 16 (crushed shadows) and at or above 245 (blown out).
        public var darkFraction: Float
        public var brightFraction: Float
        /// Mean absolute difference between neighbouring pixels: how much detail there is.
        public var detail: Float
        /// Variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000); depends on the
        /// photo's content and contrast, so it is reported but not used for the verdict.
        public var laplacianVariance: Float
        /// `laplacianVariance / contrast^2`: the Laplacian variance made independent of the
        /// photo's exposure and contrast. Sensor noise raises it, so a dim, noisy photo reads as
        /// sharp: reported for comparison, not used for the verdict.
        public var laplacianRatio: Float
        /// No-reference perceptual blur in 0...1 (Crete-Roffet et al. 2007, the metric of
        /// scikit-image's `blur_effect`): 0 sharp, 1 fully blurred. Independent of contrast,
        /// but noise hides blur from it too: reported, not used for the verdict.
        public var blurEffect: Float
        /// The blur measure behind the verdict: at the strong edges, the gradient at a fine
        /// scale divided by the gradient at a coarse scale, with the noise's share taken out;
        /// the median per edge direction and the lowest direction (see `EdgeSharpness`).
        /// About 2.5 and more for a sharp photo, near 1 for a blurred one; nil when the photo
        /// has too few edges to judge (a plain wall, a black frame).
        public var edgeSharpness: Float?
        /// The same per edge direction: gradient at 0, 45, 90 and 135 degrees. Camera movement
        /// blurs the directions across it and leaves the others sharp.
        public var edgeSharpnessByDirection: [Float?]
        /// Estimated standard deviation of the sensor noise, luma levels.
        public var noise: Float
        /// Contrast where the content is: at the photo's strongest edges (the top 2% of
        /// gradients), the Michelson contrast (max - min) / (max + min) of the 7x7 neighbourhood,
        /// median over those edges, 0...1. Text covering 3% of a label scores like a full page;
        /// fog and glare lower it everywhere.
        public var edgeContrast: Float
        /// The darker side of those edges: the median of the neighbourhoods' minimum luma. Ink on
        /// a white page stays dark; an overexposed photo lifts it with everything else.
        /// 255 (and `edgeContrast` 0) when the photo is too small or flat to have edges.
        public var edgeDarkSide: Float

        public init(width: Int, height: Int, meanLuminance: Float, p5: Float, p50: Float, p95: Float,
                    contrast: Float, relativeContrast: Float, darkFraction: Float, brightFraction: Float,
                    detail: Float, laplacianVariance: Float, laplacianRatio: Float, blurEffect: Float,
                    edgeSharpness: Float? = nil, edgeSharpnessByDirection: [Float?] = [], noise: Float = 0,
                    edgeContrast: Float = 0, edgeDarkSide: Float = 255) {
            self.width = width
            self.height = height
            self.meanLuminance = meanLuminance
            self.p5 = p5
            self.p50 = p50
            self.p95 = p95
            self.contrast = contrast
            self.relativeContrast = relativeContrast
            self.darkFraction = darkFraction
            self.brightFraction = brightFraction
            self.detail = detail
            self.laplacianVariance = laplacianVariance
            self.laplacianRatio = laplacianRatio
            self.blurEffect = blurEffect
            self.edgeSharpness = edgeSharpness
            self.edgeSharpnessByDirection = edgeSharpnessByDirection
            self.noise = noise
            self.edgeContrast = edgeContrast
            self.edgeDarkSide = edgeDarkSide
        }
    }

    public var scores: Scores
    /// Problems found, most important first; empty for a good photo.
    public var problems: [QualityProblem]

    public init(scores: Scores, problems: [QualityProblem]) {
        self.scores = scores
        self.problems = problems
    }

    /// True when a problem was found.
    public var hasProblems: Bool { !problems.isEmpty }

    public func has(_ kind: QualityProblem.Kind) -> Bool { problems.contains { $0.kind == kind } }
}

/// One thing wrong with a photo, with what to say about it.
public struct QualityProblem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case covered, dark, bright, blurry, lowContrast
    }

    public var kind: Kind
    /// One short spoken sentence pair: what is wrong, then what to do.
    public var advice: String

    public init(kind: Kind) {
        self.kind = kind
        self.advice = QualityProblem.advice(for: kind)
    }

    /// The English advice, as every client and the journal have always had it.
    public static func advice(for kind: Kind) -> String {
        MessageCatalogue(language: .english).text(kind.message)
    }
}

extension QualityProblem.Kind {
    /// The catalogue's sentence pair for this problem: what is wrong, then what to do.
    public var message: Message {
        switch self {
        case .covered: return .qualityCovered
        case .dark: return .qualityDark
        case .bright: return .qualityBright
        case .blurry: return .qualityBlurry
        case .lowContrast: return .qualityLowContrast
        }
    }
}
