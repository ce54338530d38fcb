#!/usr/bin/env ruby
# Generates the Hiera perf fixture used by bench.sh (same shape as the reference oracle's perf/gen.py):
# a 5-level hierarchy (node, role, os, dc, common) x 200 keys per level, plus 50 hash and 50 array merge
# keys present at every level, and three query files:
#   queries_first.txt  200 first-found lookups (one level each, 1/4 with %{facts...} interpolation)
#   queries_merge.txt  50 deep-merged hashes + 50 unique-merged arrays over all 5 levels
#   queries_mixed.txt  both
# Usage: gen_fixture.rb OUT_DIR
require 'fileutils'
out = ARGV[0] or abort("usage: #{$0} OUT_DIR")
FileUtils.mkdir_p(%w[nodes role os].map { |d| File.join(out, 'data', d) })
File.write(File.join(out, 'hiera.yaml'), <<~Y)
  version: 5
  defaults: {datadir: data, data_hash: yaml_data}
  hierarchy:
    - {name: node,   path: "nodes/%{trusted.certname}.yaml"}
    - {name: role,   path: "role/%{facts.role}.yaml"}
    - {name: os,     path: "os/%{facts.os.family}.yaml"}
    - {name: dc,     path: "dc-%{facts.dc}.yaml"}
    - {name: common, path: common.yaml}
Y
# trusted.certname comes from clientcert (all four of clientcert/hostname/domain/fqdn must be given)
File.write(File.join(out, 'facts.yaml'), <<~Y)
  role: web
  dc: ams
  os: {family: Debian}
  clientcert: n1.example.com
  hostname: n1
  domain: example.com
  fqdn: n1.example.com
Y
files = ['nodes/n1.example.com.yaml', 'role/web.yaml', 'os/Debian.yaml', 'dc-ams.yaml', 'common.yaml']
files.each_with_index do |f, lvl|
  lines = []
  200.times do |k|
    next unless k % 5 == lvl # each scalar key at exactly one level
    v = k % 4 == 0 ? "\"%{facts.role}-%{facts.os.family}-#{k}\"" : "\"v#{lvl}-#{k}\""
    lines << "mod#{k % 10}::key#{k}: #{v}"
  end
  50.times do |m|
    lines << "merge::h#{m}: {l#{lvl}: #{lvl}, shared: #{lvl}, nested: {a#{lvl}: [#{lvl}, x]}}"
    lines << "merge::a#{m}: [e#{lvl}, common, e#{m}]"
  end
  File.write(File.join(out, 'data', f), lines.join("\n") + "\n")
end
first = (0...200).map { |k| "mod#{k % 10}::key#{k}" }
merge = (0...50).map { |m| "merge::h#{m} --merge deep" } + (0...50).map { |m| "merge::a#{m} --merge unique" }
File.write(File.join(out, 'queries_first.txt'), first.join("\n") + "\n")
File.write(File.join(out, 'queries_merge.txt'), merge.join("\n") + "\n")
File.write(File.join(out, 'queries_mixed.txt'), (first + merge).join("\n") + "\n")
