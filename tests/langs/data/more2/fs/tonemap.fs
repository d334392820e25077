uniform sampler2D hdrBuffer;
uniform float exposure;
in vec2 TexCoords;
out vec4 FragColor;
void main() {
    vec3 hdr = texture(hdrBuffer, TexCoords).rgb;
    FragColor = vec4(vec3(1.0) - exp(-hdr * exposure), 1.0);
}
