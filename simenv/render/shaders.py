"""GLSL sources of the batch renderer, generated per program variant.

One vertex shader serves every pass. It places an instance's vertex in the world, projects it
with its scene's camera and sends it to its scene's layer of the layered framebuffer
(``gl_Layer`` = the scene's slot): every scene is rasterised at the same window origin with the
same arithmetic, so a scene's image is the same bit for bit whatever slot it is drawn in and
whatever the other slots hold. Images are drawn upside down (the projection negates y: row 0
of a layer is the top of the image), so that reading the layers back gives ``(N, H, W)``
arrays as they come.

Lighting is OpenGL's fixed-function model, which MuJoCo's classic renderer uses: emission +
global ambient + for every light attenuation · spot · (ambient + diffuse · max(n·l, 0) +
specular · max(n·h, 0)^shininess), with a local viewer, clamped to [0, 1], then multiplied by
the texture. It is evaluated per vertex and interpolated (Gouraud, as MuJoCo does) for meshes
lit ``"vertex"``, per fragment for meshes lit ``"pixel"``. Passes that write no colour do no
lighting at all.

Exponential distance fog (per scene: colour and density) is applied to every shaded fragment:
``rgb = mix(rgb, fog, 1 - exp(-density * depth))`` with ``depth`` along the optical axis;
programs for scenes without fog have no fog code. The background (flat colour or vertical
gradient) is not fogged: a separate full-screen pass draws gradients (:func:`background`).

Instance data are vertex attributes with divisor 1. Scene data (camera, fog, lights) come in
one of three ways (``scene_data``):

- ``"uniform"``: plain uniforms, set before drawing each scene's instances; every load is a
  constant-index uniform load (the cheapest on llvmpipe, at one draw call per scene);
- ``"texture"``: texels of a float texture, row ``s`` for scene ``s``, so one multi-draw call
  draws every scene that shares a light set;
- ``"storage"``: a shader storage buffer indexed by the instance's scene (GPUs).

The lights are always unrolled for the kinds of the scenes drawn; a program variant is chosen
per scene by its *shading key* (light kinds, fog on or off, texture features), so scenes with
other keys get their own program and call, and a scene is always drawn by the same program.

Per scene, ``SCENE_WIDTH`` vec4 texels (written by :func:`frame.scene_rows`):

======  ==================================================================
texel   contents
======  ==================================================================
0-2     camera axes (right, up, backward) in world coordinates
3       camera position (xyz)
4       projection: x_clip = a·x, y_clip = b·y, z_clip = c·z + d (a, b, c, d; b < 0:
        upside down)
5       fog colour (rgb), fog density per metre (w)
6       global ambient colour (rgb)
7+6i    light i: position (xyz)
8+6i    direction (unit, where the light shines), cos(spot cutoff)
9+6i    ambient colour, spot exponent
10+6i   diffuse colour
11+6i   specular colour
12+6i   attenuation (constant, linear, quadratic)
======  ==================================================================
"""

from __future__ import annotations

from typing import Literal

SCENE_TEXELS_FIXED = 7
TEXELS_PER_LIGHT = 6
MAX_LIGHTS = 8
SCENE_WIDTH = SCENE_TEXELS_FIXED + TEXELS_PER_LIGHT * MAX_LIGHTS
DIRECTIONAL, POINT, SPOT = 0, 1, 2
Lighting = Literal["vertex", "pixel", "none"]
SceneData = Literal["uniform", "texture", "storage"]

# instance attributes: name, components, type (one float32 row + one int32 row per instance)
INSTANCE_ATTRIBUTES = (
    ("i_m0", 4, "f"),
    ("i_m1", 4, "f"),
    ("i_m2", 4, "f"),  # rows of [R*S | t]
    ("i_rgba", 4, "f"),
    ("i_a", 4, "f"),  # 1 / scale^2 (xyz: normals), specular
    ("i_b", 4, "f"),  # shininess exponent, emission, texture offset (uv)
    ("i_c", 4, "f"),  # texture repeat (xyz), -
    ("i_ids", 4, "i"),  # scene, segment, texture layer, mapping (0 none, 1 uv, 2 planar,
)  # 3 cube; +16 sRGB)
VERTEX_ATTRIBUTES = (("in_pos", 3, "f"), ("in_nrm", 3, "f"), ("in_uv", 2, "f"))
ROW_FLOATS = sum(n for _, n, t in INSTANCE_ATTRIBUTES if t == "f")

_SCENE_SOURCES = {
    "uniform": f"""
uniform vec4 u_scene[{SCENE_WIDTH}];
vec4 scene_texel(int s, int i) {{ return u_scene[i]; }}
""",
    "texture": """
uniform sampler2D u_scenes;
vec4 scene_texel(int s, int i) { return texelFetch(u_scenes, ivec2(i, s), 0); }
""",
    "storage": f"""
layout(std430, binding = 0) readonly buffer Scenes {{ vec4 scene_data[]; }};
vec4 scene_texel(int s, int i) {{ return scene_data[s * {SCENE_WIDTH} + i]; }}
""",
}

_LIGHT_FUNCTION = """
// one light's contribution; t: its first texel; kind: DIRECTIONAL, POINT or SPOT
vec3 light(int s, int t, int kind, vec3 p, vec3 n, vec3 eye, vec3 base, vec2 spec) {
    vec4 dir = scene_texel(s, t + 1);
    vec4 amb = scene_texel(s, t + 2);
    vec3 l = -dir.xyz;
    float k = 1.0;
    if (kind != 0) {  // point or spot: attenuation, cone (kind is a constant: no branch)
        vec3 to_light = scene_texel(s, t).xyz - p;
        float dist = length(to_light);
        l = to_light / max(dist, 1e-12);
        vec3 att = scene_texel(s, t + 5).xyz;
        k = 1.0 / (att.x + att.y * dist + att.z * dist * dist);
        if (kind == 2) {
            float c = dot(-l, dir.xyz);
            k *= c >= dir.w ? (amb.w > 0.0 ? pow(max(c, 0.0), amb.w) : 1.0) : 0.0;
        }
    }
    float nl = max(dot(n, l), 0.0);
    float nh = max(dot(n, normalize(l + eye)), 0.0);
    float sp = nl > 0.0 ? (spec.y > 0.0 ? pow(nh, spec.y) : 1.0) : 0.0;
    return k * ((amb.rgb + nl * scene_texel(s, t + 3).rgb) * base
                + (sp * spec.x) * scene_texel(s, t + 4).rgb);
}
"""


def _lighting(lights: tuple[int, ...]) -> str:
    """``lighting()``: MuJoCo's lighting with the lights unrolled for their kinds."""
    terms = "\n".join(
        f"    color += light(s, {SCENE_TEXELS_FIXED + TEXELS_PER_LIGHT * i}, {kind}, p, n, eye, "
        "rgba.rgb, spec);"
        for i, kind in enumerate(lights)
    )
    return (
        _LIGHT_FUNCTION
        + f"""
// spec: specular level, shininess exponent; emission: fraction of rgba added unlit
vec4 lighting(int s, vec3 p, vec3 n, vec4 rgba, vec2 spec, float emission) {{
    vec3 eye = normalize(scene_texel(s, 3).xyz - p);
    vec3 color = (emission + scene_texel(s, 6).rgb) * rgba.rgb;
{terms}
    return vec4(clamp(color, 0.0, 1.0), rgba.a);
}}
"""
    )


_VERTEX_MAIN = """
invariant gl_Position;  // bit-identical depth in every pass

#ifdef SHADED
out vec2 v_tex;  // texture coordinates (uv)
flat out float v_layer;
#ifdef CUBE_TEXTURES
out vec3 v_dir;  // direction into a cube texture
flat out int v_cube;  // first layer of the cube, -1: not a cube
#endif
#ifdef SRGB_TEXTURES
flat out int v_srgb;
#endif
#endif
#ifdef WRITE_SEGMENT
flat out int v_segment;
#endif
#ifdef FOG
out float v_depth;  // along the optical axis (metres)
flat out vec4 v_fog;  // colour, density
#endif
#if defined(VERTEX_LIGHTING)
out vec4 v_color;
#elif defined(PIXEL_LIGHTING)
out vec3 v_world;
out vec3 v_normal;
flat out vec4 v_rgba;
flat out vec4 v_mat;  // specular, shininess exponent, emission
flat out int v_scene;
#endif

void main() {
    int s = i_ids.x;
    vec4 local = vec4(in_pos, 1.0);
    vec3 world = vec3(dot(i_m0, local), dot(i_m1, local), dot(i_m2, local));
    vec3 d = world - scene_texel(s, 3).xyz;
    vec3 v = vec3(dot(scene_texel(s, 0).xyz, d), dot(scene_texel(s, 1).xyz, d),
                  dot(scene_texel(s, 2).xyz, d));  // camera frame
    vec4 proj = scene_texel(s, 4);
    gl_Position = vec4(proj.x * v.x, proj.y * v.y, proj.z * v.z + proj.w, -v.z);
    gl_Layer = s;
#ifdef FOG
    v_depth = -v.z;
    v_fog = scene_texel(s, 5);
#endif
#ifdef WRITE_SEGMENT
    v_segment = i_ids.y;
#endif
#ifdef SHADED
    int mapping = i_ids.w & 15;
    v_tex = (mapping == 2 ? in_pos.xy : in_uv) * i_c.xy + i_b.zw;
    v_layer = float(i_ids.z);
#ifdef CUBE_TEXTURES
    v_dir = in_pos * i_c.xyz;
    v_cube = mapping == 3 ? i_ids.z : -1;
#endif
#ifdef SRGB_TEXTURES
    v_srgb = i_ids.w & 16;
#endif
    vec3 n = vec3(dot(i_m0.xyz, in_nrm * i_a.xyz), dot(i_m1.xyz, in_nrm * i_a.xyz),
                  dot(i_m2.xyz, in_nrm * i_a.xyz));
#endif
#if defined(VERTEX_LIGHTING)
    v_color = lighting(s, world, normalize(n), i_rgba, vec2(i_a.w, i_b.x), i_b.y);
#elif defined(PIXEL_LIGHTING)
    v_world = world;
    v_normal = n;
    v_rgba = i_rgba;
    v_mat = vec4(i_a.w, i_b.x, i_b.y, 0.0);
    v_scene = s;
#endif
}
"""

_FRAGMENT_MAIN = """
#ifdef SHADED
in vec2 v_tex;
flat in float v_layer;
#ifdef CUBE_TEXTURES
in vec3 v_dir;
flat in int v_cube;
#endif
#ifdef SRGB_TEXTURES
flat in int v_srgb;
#endif
uniform sampler2DArray u_textures;  // repeating, for 2D textures
#ifdef CUBE_TEXTURES
uniform sampler2DArray u_cube;      // the same layers clamped to their edges, for cube faces
#endif
#endif
#ifdef WRITE_SEGMENT
flat in int v_segment;
#endif
#ifdef FOG
in float v_depth;
flat in vec4 v_fog;
#endif
#if defined(VERTEX_LIGHTING)
in vec4 v_color;
#elif defined(PIXEL_LIGHTING)
in vec3 v_world;
in vec3 v_normal;
flat in vec4 v_rgba;
flat in vec4 v_mat;
flat in int v_scene;
#endif

#ifdef SHADED
layout(location = 0) out vec4 f_color;
#ifdef WRITE_SEGMENT
layout(location = 1) out int f_segment;
#endif
#elif defined(WRITE_SEGMENT)
layout(location = 0) out int f_segment;
#endif

#ifdef CUBE_TEXTURES
// OpenGL's cube-map face selection: the face's s, t and major axes (sc = S.r, tc = T.r,
// ma = M.r); the caller divides and takes derivatives on that one face, as GL does
mat3 cube_face(vec3 r, out float face) {
    vec3 a = abs(r);
    if (a.x >= a.y && a.x >= a.z) {
        face = r.x > 0.0 ? 0.0 : 1.0;
        float sx = r.x > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(0.0, 0.0, -sx), vec3(0.0, -1.0, 0.0), vec3(sx, 0.0, 0.0));
    }
    if (a.y >= a.z) {
        face = r.y > 0.0 ? 2.0 : 3.0;
        float sy = r.y > 0.0 ? 1.0 : -1.0;
        return mat3(vec3(1.0, 0.0, 0.0), vec3(0.0, 0.0, sy), vec3(0.0, sy, 0.0));
    }
    face = r.z > 0.0 ? 4.0 : 5.0;
    float sz = r.z > 0.0 ? 1.0 : -1.0;
    return mat3(vec3(sz, 0.0, 0.0), vec3(0.0, -1.0, 0.0), vec3(0.0, 0.0, sz));
}

vec2 face_st(mat3 f, vec3 r) { return 0.5 * vec2(dot(f[0], r), dot(f[1], r)) / dot(f[2], r) + 0.5; }

vec2 face_grad(mat3 f, vec3 r, vec3 dr) {
    float ma = dot(f[2], r);
    vec2 sc = vec2(dot(f[0], r), dot(f[1], r));
    return 0.5 * (vec2(dot(f[0], dr), dot(f[1], dr)) * ma - sc * dot(f[2], dr)) / (ma * ma);
}
#endif

#ifdef SRGB_TEXTURES
vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}
#endif

#ifdef SHADED
vec4 texel() {
    // untextured instances sample a white layer: no branch (a software rasteriser pays for
    // every branch)
    vec4 c = texture(u_textures, vec3(v_tex, v_layer));
#ifdef CUBE_TEXTURES
    if (v_cube >= 0) {
        float face;
        mat3 f = cube_face(v_dir, face);
        c = textureGrad(u_cube, vec3(face_st(f, v_dir), float(v_cube) + face),
                        face_grad(f, v_dir, dFdx(v_dir)), face_grad(f, v_dir, dFdy(v_dir)));
    }
#endif
#ifdef SRGB_TEXTURES
    if (v_srgb != 0) c.rgb = srgb_to_linear(c.rgb);
#endif
    return c;
}
#endif

void main() {
#if defined(VERTEX_LIGHTING)
    f_color = v_color * texel();
#elif defined(PIXEL_LIGHTING)
    f_color = lighting(v_scene, v_world, normalize(v_normal), v_rgba, v_mat.xy, v_mat.z)
              * texel();
#endif
#ifdef FOG
    f_color.rgb = mix(f_color.rgb, v_fog.rgb, 1.0 - exp(-v_fog.w * v_depth));
#endif
#ifdef WRITE_SEGMENT
    f_segment = v_segment;
#endif
}
"""


def _inputs(attrs: tuple[tuple[str, int, str], ...]) -> str:
    types = {("f", 1): "float", ("i", 1): "int"}
    return "".join(
        f"in {types.get((t, n), ('vec' if t == 'f' else 'ivec') + str(n))} {name};\n"
        for name, n, t in attrs
    )


CUBE_TEXTURES, SRGB_TEXTURES = 1, 2  # feature bits: code compiled in only when used
# vertex-shader layer selection: the ARB extension or AMD's (both give gl_Layer)
LAYER_EXTENSIONS = ("GL_ARB_shader_viewport_layer_array", "GL_AMD_vertex_shader_layer")


def program(
    lighting: Lighting,
    segment: bool,
    scene_data: SceneData,
    lights: tuple[int, ...],
    features: int = 0,
    fog: bool = False,
    layer_extension: str = LAYER_EXTENSIONS[0],
) -> tuple[str, str]:
    """Vertex and fragment source of one program variant.

    ``lighting``: ``"vertex"``/``"pixel"`` shade and write colour, ``"none"`` writes no
    colour; ``segment`` writes segment ids (after the colour, if any); ``lights``: the kinds
    of the lights of the scenes drawn; ``features``: the texture kinds they use; ``fog``:
    apply their distance fog; ``layer_extension``: the GLSL extension giving ``gl_Layer`` in
    a vertex shader.
    """
    defines = {
        "vertex": ["SHADED", "VERTEX_LIGHTING"],
        "pixel": ["SHADED", "PIXEL_LIGHTING"],
        "none": [],
    }[lighting]
    if segment:
        defines.append("WRITE_SEGMENT")
    if lighting != "none":
        defines += [
            name
            for bit, name in ((CUBE_TEXTURES, "CUBE_TEXTURES"), (SRGB_TEXTURES, "SRGB_TEXTURES"))
            if features & bit
        ]
        if fog:
            defines.append("FOG")
    head = "#version 430\n" + "".join(f"#define {d}\n" for d in defines)
    scene = _SCENE_SOURCES[scene_data]
    light = _lighting(lights)
    vertex = (
        head
        + f"#extension {layer_extension} : require\n"
        + scene
        + _inputs(VERTEX_ATTRIBUTES + INSTANCE_ATTRIBUTES)
        + (light if lighting == "vertex" else "")
        + _VERTEX_MAIN
    )
    fragment = head + (scene + light if lighting == "pixel" else "") + _FRAGMENT_MAIN
    return vertex, fragment


def background(layer_extension: str = LAYER_EXTENSIONS[0]) -> tuple[str, str]:
    """The background-gradient program: one full-screen triangle per instance (attributes
    ``i_layer``, ``i_zenith``, ``i_horizon``), the zenith colour on the top row, the horizon
    colour on the bottom row (``u_rows`` = image height - 1), linear in between; both end rows
    are the colours exactly (no rounding through a mix)."""
    vertex = f"""#version 430
#extension {layer_extension} : require
in int i_layer;
in vec3 i_zenith;
in vec3 i_horizon;
flat out vec3 v_zenith;
flat out vec3 v_horizon;
void main() {{
    // (-1, -1), (-1, 3), (3, -1): clockwise, a front face (images are upside down)
    gl_Position = vec4(float((gl_VertexID & 2) * 2 - 1), float((gl_VertexID & 1) * 4 - 1),
                       0.0, 1.0);
    gl_Layer = i_layer;
    v_zenith = i_zenith;
    v_horizon = i_horizon;
}}
"""
    fragment = """#version 430
uniform float u_rows;
flat in vec3 v_zenith;
flat in vec3 v_horizon;
layout(location = 0) out vec4 f_color;
void main() {
    // window row 0 is the image's top row (images are drawn upside down)
    float t = (gl_FragCoord.y - 0.5) / u_rows;
    vec3 d = v_horizon - v_zenith;
    f_color = vec4(t < 0.5 ? v_zenith + d * t : v_horizon - d * (1.0 - t), 1.0);
}
"""
    return vertex, fragment
