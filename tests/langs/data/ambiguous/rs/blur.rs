#pragma version(1)
#pragma rs java_package_name(com.example.blur)

uchar4 RS_KERNEL invert(uchar4 in) {
    return (uchar4){255 - in.r, 255 - in.g, 255 - in.b, in.a};
}
