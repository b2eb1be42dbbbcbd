/// Why text could not be read.
public enum TextReaderError: Error, CustomStringConvertible, Equatable {
    /// No `<language>.traineddata` in the data directory; `installed` lists what is there.
    case languageNotInstalled(language: String, dataPath: String, installed: [String])
    /// The language name is not a `+`-joined list of traineddata names.
    case badLanguageName(String)
    /// No Tesseract data directory was found; `searched` lists the places tried.
    case noDataDirectory(searched: [String])
    /// Tesseract refused to initialise with files that exist (corrupt or wrong version).
    case initFailed(language: String, dataPath: String)
    /// Tesseract returned an error while recognising a photo.
    case recognitionFailed(width: Int, height: Int)

    public var description: String {
        switch self {
        case let .languageNotInstalled(language, path, installed):
            let have = installed.isEmpty ? "none" : installed.joined(separator: ", ")
            return "OCR language '\(language)' is not installed: no \(language).traineddata in \(path) "
                + "(installed: \(have)); install it with apt-get install tesseract-ocr-\(language)"
        case let .badLanguageName(name):
            return "OCR language '\(name)' is not a valid name (expected e.g. 'eng' or 'eng+deu')"
        case let .noDataDirectory(searched):
            return "no Tesseract data directory found (searched \(searched.joined(separator: ", "))); "
                + "install tesseract-ocr-eng or set TESSDATA_PREFIX"
        case let .initFailed(language, path):
            return "Tesseract could not load language '\(language)' from \(path) (corrupt or incompatible traineddata?)"
        case let .recognitionFailed(w, h):
            return "Tesseract failed to recognise text in a \(w)x\(h) photo"
        }
    }
}
