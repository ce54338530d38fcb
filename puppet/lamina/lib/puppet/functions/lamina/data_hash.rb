# frozen_string_literal: true

require_relative '../../../puppet_x/lamina/http'

# A Hiera 5 `data_hash` backend reading one host's whole Hiera document from `lamina serve`:
# `GET <uri>` where the uri is `http://HOST:PORT/v1/hosts/%{trusted.certname}/hiera`.
#
# The server answers every key of the host's hierarchy as `lookup(key)` resolves it there
# (lookup_options merges applied), so this level holds final values. Puppet calls a data_hash
# function once per uri and compilation and caches the hash, so a catalog costs one request.
#
# - 404 (a host the server does not know) gives an empty hash: every key is "not found" here and
#   the lookup goes on to the next level.
# - Anything else that is not a 200 with a JSON object fails the lookup with an error naming
#   the URL (without credentials or query string) and the server's reason.
#
# hiera.yaml:
#
#     - name: "Lamina"
#       data_hash: lamina::data_hash
#       uri: "http://127.0.0.1:7480/v1/hosts/%{trusted.certname}/hiera"
#       options:
#         timeout: 5        # seconds, connect and read (default 5)
Puppet::Functions.create_function(:'lamina::data_hash') do
  dispatch :data_hash do
    param 'Hash[String, Any]', :options
    param 'Puppet::LookupContext', :context
  end

  def data_hash(options, context)
    url = options['uri'] || options['url']
    if url.nil? || url.to_s.empty?
      raise Puppet::DataBinding::LookupError,
            "lamina::data_hash: declare the server's URL with 'uri' in hiera.yaml " \
            "(e.g. uri: \"http://127.0.0.1:7480/v1/hosts/%{trusted.certname}/hiera\")"
    end
    data = PuppetX::Lamina::Http.get_json('lamina::data_hash', url, options)
    if data == :not_found
      context.explain { "#{PuppetX::Lamina::Http.redact(URI.parse(url))}: 404, host unknown to the server" }
      return {}
    end
    # The server applies lookup_options itself; handing them to Puppet as well would merge the
    # already merged values a second time when other levels hold the same keys.
    data.delete('lookup_options')
    PuppetX::Lamina::Http.escape_interpolation(data)
  end
end
