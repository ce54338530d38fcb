# frozen_string_literal: true

require_relative '../../../puppet_x/lamina/http'

# A Hiera 5 `lookup_key` backend asking `lamina serve` for one key at a time:
# `GET <uri>/lookup/<key>` where the uri is `http://HOST:PORT/v1/hosts/%{trusted.certname}`
# (or, when the uri contains `__KEY__`, the uri with `__KEY__` replaced by the key).
#
# The server answers `{"<key>": value}` with lookup_options merges applied, 404 when the key is
# not found (→ context.not_found, the lookup goes on to the next level), 422 for a lookup error.
# Puppet caches found keys for the compilation; not-found answers are cached here, so each key
# costs at most one request per compilation. Prefer lamina::data_hash (one request per catalog)
# unless the host's documents are large and few keys are looked up.
#
# hiera.yaml:
#
#     - name: "Lamina (per key)"
#       lookup_key: lamina::lookup_key
#       uri: "http://127.0.0.1:7480/v1/hosts/%{trusted.certname}"
#       options:
#         timeout: 5
Puppet::Functions.create_function(:'lamina::lookup_key') do
  dispatch :lookup_key do
    param 'String[1]', :key
    param 'Hash[String, Any]', :options
    param 'Puppet::LookupContext', :context
  end

  def lookup_key(key, options, context)
    # Puppet asks every level for `lookup_options`; the server has applied them already.
    context.not_found if key == 'lookup_options'
    context.not_found if context.cache_has_key(key) && context.cached_value(key) == :lamina_not_found

    base = options['uri'] || options['url']
    if base.nil? || base.to_s.empty?
      raise Puppet::DataBinding::LookupError,
            "lamina::lookup_key: declare the server's URL with 'uri' in hiera.yaml " \
            "(e.g. uri: \"http://127.0.0.1:7480/v1/hosts/%{trusted.certname}\")"
    end
    segment = PuppetX::Lamina::Http.encode_segment(server_key(key))
    url = base.include?('__KEY__') ? base.gsub('__KEY__', segment) : "#{base.chomp('/')}/lookup/#{segment}"

    data = PuppetX::Lamina::Http.get_json('lamina::lookup_key', url, options)
    if data == :not_found
      context.cache(key, :lamina_not_found)
      context.not_found
    end
    unless data.size == 1
      raise Puppet::DataBinding::LookupError,
            "lamina::lookup_key: GET #{PuppetX::Lamina::Http.redact(URI.parse(url))} returned an object " \
            "with #{data.size} keys, expected one"
    end
    # No context.interpolate: the server has interpolated the value, and a lookup_key result is
    # not interpolated by Puppet either, so a literal `%{` stays literal.
    data.values.first
  end

  # Puppet passes the root key, one segment: a key holding a dot (from a quoted key such as
  # `"a.b".c`) must be quoted again, or the server would dig into `a`.
  def server_key(key)
    return key unless key.include?('.')

    key.include?('"') ? "'#{key}'" : "\"#{key}\""
  end
end
