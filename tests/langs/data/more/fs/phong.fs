#version 120
uniform vec3 lightPos;
varying vec3 normal;
varying vec3 fragPos;

void main()
{
    vec3 lightDir = normalize(lightPos - fragPos);
    float diff = max(dot(normalize(normal), lightDir), 0.0);
    gl_FragColor = vec4(vec3(diff), 1.0);
}
