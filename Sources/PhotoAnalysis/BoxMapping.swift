import Foundation

/// Takes a box in the image Tesseract read (reduced or enlarged, straightened, turned 180
/// degrees) back to the photo as it was given, undoing each step in reverse.
struct BoxMapping {
    /// The image read before the 180-degree turn: `original` straightened by `skew`, or
    /// `original` itself.
    let read: GrayImage
    /// The photo after reduction or enlargement.
    let original: GrayImage
    let skew: Float
    let rotation: Int
    /// Photo pixels per pixel of `original`.
    let scale: Float
    let photoWidth: Int
    let photoHeight: Int

    init(read: GrayImage, original: GrayImage, skew: Float, rotation: Int, scale: Float, photoWidth: Int, photoHeight: Int) {
        self.read = read
        self.original = original
        self.skew = skew
        self.rotation = rotation
        self.scale = scale
        self.photoWidth = photoWidth
        self.photoHeight = photoHeight
    }

    func map(_ box: ImageRect) -> ImageRect {
        let corners: [(Float, Float)] = [
            (Float(box.x), Float(box.y)), (Float(box.maxX), Float(box.y)),
            (Float(box.x), Float(box.maxY)), (Float(box.maxX), Float(box.maxY)),
        ]
        let mapped = corners.map { corner -> ImagePoint in
            var (x, y) = corner
            if rotation == 180 {
                x = Float(read.width) - x
                y = Float(read.height) - y
            }
            if skew != 0 {
                // The inverse of GrayImage.rotated(clockwise:fill:) about both centres.
                let t = skew * .pi / 180, c = cosf(t), s = sinf(t)
                let dx = x - Float(read.width) / 2, dy = y - Float(read.height) / 2
                x = c * dx + s * dy + Float(original.width) / 2
                y = c * dy - s * dx + Float(original.height) / 2
            }
            let px = min(Float(photoWidth), max(0, x * scale)), py = min(Float(photoHeight), max(0, y * scale))
            return ImagePoint(x: Int(px.rounded()), y: Int(py.rounded()))
        }
        let x0 = mapped.map(\.x).min()!, x1 = mapped.map(\.x).max()!
        let y0 = mapped.map(\.y).min()!, y1 = mapped.map(\.y).max()!
        return ImageRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}
