"""Post-processing for perception_front_camera: score filter and
class-wise non-maximum suppression (example artifact)."""

import numpy as np


def iou(box, boxes):
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter + 1e-9)


def nms(boxes, scores, classes, score_threshold=0.42, iou_threshold=0.5):
    keep = []
    for c in np.unique(classes):
        idx = np.where((classes == c) & (scores >= score_threshold))[0]
        idx = idx[np.argsort(-scores[idx])]
        while idx.size:
            best = idx[0]
            keep.append(best)
            idx = idx[1:][iou(boxes[best], boxes[idx[1:]]) < iou_threshold]
    return sorted(keep)
