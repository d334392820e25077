require 'json'
puts({a: 1}.to_json)
