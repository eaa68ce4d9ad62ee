// Package importer reads and writes files that come from outside citdesk:
// an agency's roster CSV now, and later the Seattle Police Department's
// public crisis data and NENA EIDO call exchange.
//
// Every function here is pure parsing or formatting: it takes an io.Reader
// (or values) and returns values, and never touches the database. The
// command line and the web layer decide what to save. Input is treated as
// hostile: files are capped in size, every parser has a fuzz target, and a
// bad row is reported with its line number while the good rows are kept.
package importer
