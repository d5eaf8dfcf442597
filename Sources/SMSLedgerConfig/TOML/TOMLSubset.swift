import Parsers

// The TOML subset reader is general-purpose code and lives in the Parsers module (fuzzed there, see
// Fuzz/README.md). These aliases keep its names unqualified for the loader, so the files under
// Loading/ read the same with or without `import Parsers`; they can go once every file that names a
// TOML type imports Parsers itself.
typealias TOMLParser = Parsers.TOMLParser
typealias TOMLDocument = Parsers.TOMLDocument
typealias TOMLSection = Parsers.TOMLSection
typealias TOMLEntry = Parsers.TOMLEntry
typealias TOMLValue = Parsers.TOMLValue
typealias TOMLScalar = Parsers.TOMLScalar
typealias TOMLSyntaxError = Parsers.TOMLSyntaxError
