//! Lamina's loaders: YAML 1.1 reading, estate files, ENC emitting, corpus generation.
pub mod emit;
pub mod estate;
pub mod generate;
pub mod yaml;
