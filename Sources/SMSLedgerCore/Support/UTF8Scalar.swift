import Parsers

/// The UTF-8 decoder of the Parsers module under the name the MNS XML reader already uses: that reader
/// imports only this module, and is being changed on another branch. Remove this alias when the XML
/// reader moves into Parsers (Fuzz/README.md, "Adding a parser").
public typealias UTF8Scalar = Parsers.UTF8Scalar
