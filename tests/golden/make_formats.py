"""Writes the golden prediction files of every format in tests/golden/formats/.

Run from the repository root: ``python -m tests.golden.make_formats``.

Three images; point k of image i is at x = 40 + 2.5 k + 10 i, y = 60 + 3.25 (k mod 17)
+ 7 i (exact binary fractions, so every file holds the same numbers exactly). Each file
is written here with the standard library (and NumPy's own .npy/.npz writer), in the
layout the tool that makes the format writes, never by calling aflfp_bench: the test
reads each file and expects ``expected.json``'s points.
"""

import csv
import io
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "formats"

IMAGES = [  # canonical id, image path relative to the dataset root
    ("1-BR-neutral", "1/1-Brow raise/key frames/1-Brow raise_3.jpg"),
    ("1-BR-onset", "1/1-Brow raise/key frames/1-Brow raise_17.jpg"),
    ("2-SN-peak", "2/2-Snarl/key frames/2-Snarl_40.jpg"),
]
WIDTH, HEIGHT = 320, 200


def point(i, k):
    return (40 + 2.5 * k + 10 * i, 60 + 3.25 * (k % 17) + 7 * i)


def points(i):
    return [point(i, k) for k in range(68)]


def num(v):
    return repr(float(v))


def write(name, text):
    path = HERE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def openface_header(kind):
    """OpenFace 2.x columns: FeatureExtraction (``frame, face_id, timestamp, ...``) or
    FaceLandmarkImg (``face, confidence, ...``), with gaze, eye landmarks, 2D and 3D
    landmarks, pose and PDM parameters, as it writes them (an abridged set of AUs)."""
    first = (["frame", "face_id", "timestamp", "confidence", "success"] if kind == "video"
             else ["face", "confidence"])
    gaze = ["gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_angle_x", "gaze_angle_y"]
    eyes = [f"eye_lmk_x_{k}" for k in range(3)] + [f"eye_lmk_y_{k}" for k in range(3)]
    pose = ["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
    xy = [f"x_{k}" for k in range(68)] + [f"y_{k}" for k in range(68)]
    xyz = [f"{a}_{k}" for a in "XYZ" for k in range(3)]
    rest = ["p_scale", "p_rx", "p_0", "p_1", "AU01_r", "AU12_r", "AU45_c"]
    return first + gaze + eyes + pose + xy + xyz + rest


def openface_row(header, pts, *, confidence=0.98, success=1, face=0, frame=1):
    values = {"frame": frame, "face_id": face, "face": face, "timestamp": 0.0,
              "confidence": confidence, "success": success}
    for k, (x, y) in enumerate(pts):
        values[f"x_{k}"], values[f"y_{k}"] = x, y
    return [str(values.get(name, "0.123")) for name in header]


def openface_text(header, rows):
    # OpenFace writes ", " between fields.
    return ", ".join(header) + "\n" + "".join(", ".join(r) + "\n" for r in rows)


def wflw98(pts):
    """98 WFLW points whose iBUG-68 reading is ``pts``: iBUG jaw point k is WFLW 2k (the
    odd contour points lie elsewhere); the iBUG brow points are WFLW's upper brow edge
    (33-37, 42-46), and the lower edge (38-41, 47-50) lies 3 px below the upper one's
    inner points (a reading that averaged the edges would be 1.5 px off); the eye points
    WFLW has and iBUG lacks (62, 66, 70, 74) and the pupils (96, 97) are far from anything
    iBUG reads."""
    w = [(999.0, 999.0)] * 98
    for k in range(17):
        w[2 * k] = pts[k]
    for k in range(16):
        w[2 * k + 1] = (pts[k][0] + 0.5, pts[k][1] + 9.0)
    for ibug, upper in zip(range(17, 27), (*range(33, 38), *range(42, 47))):
        w[upper] = pts[ibug]
    # The lower edges run back from the inner end: 38-41 under 37-34, 47-50 under 45-42.
    for upper, lower in ((37, 38), (36, 39), (35, 40), (34, 41),
                         (45, 47), (44, 48), (43, 49), (42, 50)):
        x, y = w[upper]
        w[lower] = (x, y + 3.0)
    for ibug, wflw in zip(range(27, 36), range(51, 60)):
        w[wflw] = pts[ibug]
    for ibug, wflw in zip(range(36, 48), (60, 61, 63, 64, 65, 67, 68, 69, 71, 72, 73, 75)):
        w[wflw] = pts[ibug]
    for wflw in (62, 66, 70, 74, 96, 97):
        w[wflw] = (150.0, 100.0)
    for ibug, wflw in zip(range(48, 68), range(76, 96)):
        w[wflw] = pts[ibug]
    return w


def main():
    n = len(IMAGES)
    all_points = [points(i) for i in range(n)]
    write("expected.json", json.dumps({
        "width": WIDTH, "height": HEIGHT,
        "images": [{"id": i, "image": p} for i, p in IMAGES],
        "points": all_points}, indent=1) + "\n")

    # Long CSV, rows shuffled (image 2 first, points descending), keys by path.
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["image_id", "landmark", "x", "y"])
    for i in (2, 0, 1):
        key = IMAGES[i][1] if i == 2 else IMAGES[i][0]
        for k in reversed(range(68)):
            w.writerow([key, k, num(all_points[i][k][0]), num(all_points[i][k][1])])
    write("long.csv", out.getvalue())

    # The same, 1-based (MATLAB's convention): every coordinate plus 1.
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["image_id"] + [f"{a}{k}" for k in range(68) for a in "xy"])
    for i in range(n):
        w.writerow([IMAGES[i][0]] + [num(v + 1) for p in all_points[i] for v in p])
    write("wide_one_based.csv", out.getvalue())

    # OpenFace FeatureExtraction output gathered into one file with an image_id column:
    # image 0 has a second, less confident face; image 2 a failed row (success 0, zeros)
    # more "confident" than its real one.
    header = ["image_id"] + openface_header("video")
    rows = [["1-BR-neutral"] + openface_row(header[1:], all_points[0], confidence=0.97),
            ["1-BR-neutral"] + openface_row(header[1:], [(60.0, 60.0)] * 68, confidence=0.4,
                                            face=1),
            ["1-BR-onset"] + openface_row(header[1:], all_points[1]),
            ["2-SN-peak"] + openface_row(header[1:], [(0.0, 0.0)] * 68, confidence=0.99,
                                         success=0),
            ["2-SN-peak"] + openface_row(header[1:], all_points[2], confidence=0.9, frame=2)]
    write("openface.csv", openface_text(header, rows))

    # FaceLandmarkImg: one CSV per image, named after the image (by its own file stem, by
    # its canonical id, and by its path); the first has two faces.
    header = openface_header("image")
    write("openface_folder/1-Brow raise_3.csv", openface_text(header, [
        openface_row(header, [(61.0, 70.0)] * 68, confidence=0.5, face=0),
        openface_row(header, all_points[0], confidence=0.95, face=1)]))
    write("openface_folder/1-BR-onset.csv",
          openface_text(header, [openface_row(header, all_points[1])]))
    write("openface_folder/2/2-Snarl/key frames/2-Snarl_40.csv",
          openface_text(header, [openface_row(header, all_points[2])]))

    # A folder of iBUG .pts files, named by canonical id, by image path (without the
    # extension) and by the image's own file stem.
    def pts_text(pts):
        return ("version: 1\nn_points: 68\n{\n" + "".join(f"{num(x)} {num(y)}\n" for x, y in pts)
                + "}\n")
    write("pts_folder/1-BR-neutral.pts", pts_text(all_points[0]))
    write(f"pts_folder/{IMAGES[1][1].rsplit('.', 1)[0]}.pts", pts_text(all_points[1]))
    write("pts_folder/2-Snarl_40.pts", pts_text(all_points[2]))

    # NumPy: .npz with ids and points; .npy of points with an id file.
    arr = np.array(all_points, dtype=np.float64)
    with open(HERE / "arrays.npz", "wb") as fh:
        np.savez(fh, ids=np.array([i for i, _ in IMAGES]), points=arr)
    np.save(HERE / "points.npy", arr[::-1].astype(np.float32))
    write("points_ids.txt", "".join(IMAGES[i][0] + "\n" for i in reversed(range(n))))

    # COCO keypoint results (MMPose style) and the COCO file naming the images; image 7
    # has a second, lower-scoring result.
    numbers = [7, 11, 12]
    write("coco_images.json", json.dumps({
        "images": [{"id": numbers[i], "file_name": IMAGES[i][1], "width": WIDTH,
                    "height": HEIGHT} for i in range(n)],
        "categories": [{"id": 1, "name": "face"}]}, indent=1) + "\n")
    results = []
    for i in range(n):
        kp = [v for x, y in all_points[i] for v in (x, y, 2)]
        results.append({"image_id": numbers[i], "category_id": 1, "keypoints": kp,
                        "score": 0.9})
    results.insert(1, {"image_id": 7, "category_id": 1,
                       "keypoints": [v for _ in range(68) for v in (50.0, 50.0, 1)],
                       "score": 0.3})
    write("coco_results.json", json.dumps(results) + "\n")

    # 98 WFLW points, wide CSV.
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["image_id"] + [f"{a}{k}" for k in range(98) for a in "xy"])
    for i in range(n):
        w.writerow([IMAGES[i][0]] + [num(v) for p in wflw98(all_points[i]) for v in p])
    write("wflw98.csv", out.getvalue())

    # face-alignment: get_landmarks_from_directory's {path: faces} saved as JSON, keys as
    # it returns them (the folder it was given, here absolute, joined with each image's
    # path); image 2 has two faces and face-alignment's answer with return_bboxes=True,
    # (faces, landmark scores, boxes), the second detection the more confident.
    faces = {f"/home/user/AFLFP/{IMAGES[i][1]}": [[list(p) for p in all_points[i]]]
             for i in range(n)}
    decoy = [[x + 30.0, y] for x, y in all_points[1]]
    faces[f"/home/user/AFLFP/{IMAGES[1][1]}"] = [
        [decoy, [list(p) for p in all_points[1]]], None,
        [[0.0, 0.0, 50.0, 50.0, 0.41], [10.0, 10.0, 60.0, 60.0, 0.97]]]
    write("face_alignment.json", json.dumps(faces) + "\n")

    # dlib imglab XML (training_with_face_landmarks.xml layout): parts named 00..67; the
    # first image has a second box marked ignore.
    lines = ["<?xml version='1.0' encoding='ISO-8859-1'?>",
             "<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>",
             "<dataset>", "<name>landmarks</name>", "<comment>three faces</comment>",
             "<images>"]
    for i in range(n):
        lines.append(f"  <image file='{IMAGES[i][1]}'>")
        lines.append("    <box top='50' left='30' width='200' height='90'>")
        lines += [f"      <part name='{k:02d}' x='{num(x)}' y='{num(y)}'/>"
                  for k, (x, y) in enumerate(all_points[i])]
        lines.append("    </box>")
        if i == 0:
            lines.append("    <box top='0' left='0' width='10' height='10' ignore='1'/>")
        lines.append("  </image>")
    lines += ["</images>", "</dataset>"]
    write("dlib.xml", "\n".join(lines) + "\n")
    print(f"wrote {HERE}")


if __name__ == "__main__":
    main()
